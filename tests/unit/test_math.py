"""Math is rendered to MathML at build time; bad TeX is a build error at its line."""
from tests.unit.test_directives import HEAD, build_article, build_error


def test_inline_and_display_math_become_mathml(tmp_path):
    body = "Gates use $\\sigma(x)$ and cost \\$5.\n\n$$\nh_t = o_t \\odot \\tanh(c_t)\n$$\n\n`$not math$`\n"
    _, files = build_article(tmp_path, HEAD + body)
    html = files["a/index.html"].decode()
    assert html.count("<math") == 2 and "<mi>σ</mi>" in html and "⊙" in html
    assert 'class="math-display"' in html and "$5" in html and "<code>$not math$</code>" in html
    assert "arithmatex" not in html and "katex.min.js" not in html


def test_bad_tex_names_file_and_line(tmp_path):
    error = build_error(tmp_path, HEAD + "Fine.\n\nBroken $\\frac{1}{$ here.\n")
    assert error.rule == "math-syntax" and error.line == 6 and error.file.endswith("a/index.md")
    assert "math does not parse" in error.message
