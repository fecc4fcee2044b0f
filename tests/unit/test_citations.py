"""`[@key]` citations resolve against the article's BibTeX file; unknown keys are errors at their line."""
from tests.unit.test_directives import HEAD, build_article, build_error

BIB = """@article{cashman2018,
  author = {Cashman, Dylan and Chang, Remco},
  title = {{RNNbow}: Visualizing Learning via Backpropagation Gradients in Recurrent Neural Networks},
  journal = {IEEE Computer Graphics and Applications}, volume = {38}, number = {6}, pages = {39--50}, year = {2018}}
@misc{baeuerle2020, author = {B{\\"a}uerle, Alex and Ropinski, Timo}, title = {exploRNN}, year = {2020}}
@misc{unused, author = {Nobody}, title = {Not cited}, year = {2000}}
"""


def test_citations_are_numbered_in_order_and_listed(tmp_path):
    (tmp_path / "content" / "a").mkdir(parents=True)
    (tmp_path / "content" / "a" / "references.bib").write_text(BIB)
    _, files = build_article(tmp_path, HEAD + "First [@baeuerle2020], then [@cashman2018; @baeuerle2020].\n")
    html = files["a/index.html"].decode()
    assert '<a class="cite" href="#ref-baeuerle2020">1</a>' in html
    assert '<a class="cite" href="#ref-cashman2018">2</a>, <a class="cite" href="#ref-baeuerle2020">1</a>]' in html
    refs = html[html.index('id="references"'):]
    assert refs.index("ref-baeuerle2020") < refs.index("ref-cashman2018") and "unused" not in refs
    assert "ä</span>uerle" in refs and "IEEE Computer Graphics and Applications" in refs


def test_unknown_key_is_an_error_at_its_line(tmp_path):
    (tmp_path / "content" / "a").mkdir(parents=True)
    (tmp_path / "content" / "a" / "references.bib").write_text(BIB)
    error = build_error(tmp_path, HEAD + "Text.\n\nSee [@cashman2019].\n")
    assert error.rule == "cite-unknown" and error.line == 6 and "cashman2018" in error.hint


def test_citation_without_bibliography(tmp_path):
    error = build_error(tmp_path, HEAD + "See [@x].\n")
    assert error.rule == "cite-unknown" and "no bibliography file" in error.message


def test_bad_bibtex_names_the_file(tmp_path):
    (tmp_path / "content" / "a").mkdir(parents=True)
    (tmp_path / "content" / "a" / "references.bib").write_text("@article{broken, title = {x}\n")
    error = build_error(tmp_path, HEAD + "See [@broken].\n")
    assert error.rule == "cite-bibtex" and error.file.endswith("references.bib")
