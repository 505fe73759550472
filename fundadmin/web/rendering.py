"""The Jinja2 templates of the pages (autoescaped, translated), served from the package."""

from __future__ import annotations

from pathlib import Path

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from fundadmin.web import i18n
from fundadmin.web.labels import label

TEMPLATES = Path(__file__).parent / "templates"


def _configure(engine: JinjaTemplateEngine) -> None:
    """Jinja's i18n extension with the page's catalogue, a `number` filter and `label()`."""
    environment = engine.engine
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters["number"] = i18n.number
    environment.globals["label"] = label


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(
        directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_configure
    )
