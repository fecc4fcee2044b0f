"""Math is rendered at build time to KaTeX's HTML with MathML beside it; bad TeX is a build error at its line."""
import re

from unrolled.generator.csp import policy
from tests.unit.test_directives import HEAD, build_article, build_error


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)


def test_inline_and_display_math_become_katex_html_with_mathml(tmp_path):
    body = "Gates use $\\sigma(x)$ and cost \\$5.\n\n$$\nh_t = o_t \\odot \\tanh(c_t)\n$$\n\n`$not math$`\n"
    _, files = build_article(tmp_path, HEAD + body)
    html = files["a/index.html"].decode()
    # MathML for assistive technology, KaTeX's HTML (aria-hidden) for the eye, once per formula
    assert html.count("<math") == 2 and "<mi>σ</mi>" in html and "⊙" in html
    assert html.count('<span class="katex-html" aria-hidden="true">') == 2
    assert html.count('<span class="katex-mathml">') == 2
    assert re.search(r"<span class=\"mord mathnormal\"[^>]*>σ</span>", html)
    display = re.search(r'<div class="math-display"([^>]*)><span class="katex-display">', html)
    assert display and 'tabindex="0"' in display[1] and 'role="group"' in display[1] and "aria-label=" in display[1]
    assert "$5" in html and "<code>$not math$</code>" in html
    assert "arithmatex" not in html and "katex.min.js" not in html and "<script src" not in html.split("</head>")[1]


def test_aligned_columns_and_limits(tmp_path):
    body = ("$$\n\\begin{aligned}\ni_t &= \\sigma(x_t) \\\\\nf_t &= \\sigma(W x_t + b)\n\\end{aligned}\n$$\n\n"
            "$$\nL = \\sum_{t=1}^{T} L_t\n$$\n\nInline $\\sum_{t=1}^{T} L_t$.\n")
    _, files = build_article(tmp_path, HEAD + body)
    html = files["a/index.html"].decode()
    aligned = html.split('<div class="math-display"')[1]
    # `aligned` alternates right- and left-aligned columns: the "=" signs line up
    assert aligned.index('class="col-align-r"') < aligned.index('class="col-align-l"')
    assert "<mtable" in aligned and 'columnalign="right left"' in aligned
    # display: limits above and below the Σ (op-limits); inline: sub- and superscript (msupsub)
    display_sum, inline_sum = html.split('<div class="math-display"')[2], html.split("Inline ")[1]
    assert 'class="mop op-limits"' in display_sum and "<munderover>" in display_sum
    assert "op-limits" not in inline_sum.split("</p>")[0] and "msupsub" in inline_sum.split("</p>")[0]


def test_katex_stylesheet_and_woff2_fonts_only_on_pages_with_math(tmp_path):
    (tmp_path / "content" / "b").mkdir(parents=True)
    (tmp_path / "content" / "b" / "index.md").write_text("---\ntitle: B\n---\nNo formulas here.\n")
    _, files = build_article(tmp_path, HEAD + "Math $x_t$.\n")
    with_math, without = files["a/index.html"].decode(), files["b/index.html"].decode()
    katex = [href for href in stylesheets(with_math) if "katex" in href]
    assert len(katex) == 1 and re.fullmatch(r"\.\./assets/katex/katex\.[0-9a-f]{12}\.css", katex[0])
    assert not [href for href in stylesheets(without) if "katex" in href]
    assert not [href for href in stylesheets(files["index.html"].decode()) if "katex" in href]
    css = files[katex[0].removeprefix("../")].decode()
    fonts = re.findall(r"url\(([^)]*)\)", css)
    assert len(fonts) == css.count("@font-face") == css.count("font-display:swap") == 20
    for font in fonts:  # woff2 only, hashed, present in the site next to the stylesheet
        assert re.fullmatch(r"fonts/KaTeX_[\w-]+\.[0-9a-f]{12}\.woff2", font)
        assert files[f"assets/katex/{font}"][:4] == b"wOF2"
    assert not [name for name in files if name.endswith((".woff", ".ttf"))]
    assert "<link rel=\"preload\"" not in with_math  # the browser fetches only the faces a page uses


def test_policy_allows_stylesheets_and_fonts_from_the_site():
    directives = dict(d.split(" ", 1) for d in policy([]).split("; "))
    assert directives["font-src"] == "'self'" and directives["style-src"].startswith("'self'")


def test_bad_tex_names_file_and_line(tmp_path):
    error = build_error(tmp_path, HEAD + "Fine.\n\nBroken $\\frac{1}{$ here.\n")
    assert error.rule == "math-syntax" and error.line == 6 and error.file.endswith("a/index.md")
    assert "math does not parse" in error.message and error.hint
    assert not (tmp_path / "_site").exists()


def test_bad_display_tex_names_its_line(tmp_path):
    error = build_error(tmp_path, HEAD + "Fine.\n\n$$\n\\begin{aligned} a &= \\frac{1}{ \\end{aligned}\n$$\n")
    assert error.rule == "math-syntax" and error.line == 7 and error.file.endswith("a/index.md")
