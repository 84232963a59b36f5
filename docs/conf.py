"""Sphinx configuration of the apigw-kit docs site (`make docs`)."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import build_pages  # noqa: E402  (docs/ is not a package)

build_pages.main()

project = "apigw-kit"
author = "apigw-kit contributors"
copyright = "apigw-kit contributors"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]

# The notebooks are committed already executed (make golden); the site renders those outputs.
nb_execution_mode = "off"
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3  # notebooks link to their own sections as #section-name

autodoc_member_order = "bysource"
autodoc_typehints = "description"

html_theme = "sphinx_book_theme"
html_title = "apigw-kit"
html_theme_options = {
    "home_page_in_toc": True,
    "use_download_button": True,
    "show_toc_level": 2,
}
html_static_path = ["_static"]
html_css_files = ["tables.css"]


# Docstrings name listeners as HTTP:80 or HTTPS:443; docutils reads "http:80" as a URI and links to it
# (a broken link the site test catches). Show them as literals instead.
LISTENER = re.compile(r"(?<![`\w/])((?:HTTPS?|TCP|TLS|UDP):\d+)\b")


def listeners_as_literals(app, what, name, obj, options, lines):
    lines[:] = [LISTENER.sub(r"``\1``", line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", listeners_as_literals)
