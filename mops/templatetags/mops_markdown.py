"""``{{ text|markdown }}``: Markdown rendered and sanitized (see mops.markdown)."""

from django import template
from django.utils.safestring import SafeString

from mops.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    return render_markdown(text)
