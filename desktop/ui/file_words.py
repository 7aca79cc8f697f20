"""A message's files in a few words, where one line stands for a message (the chat list,
the bar of a reply, a quote, the unsent messages): its caption, else its files."""

from desktop.cache.views import AttachmentView, MessageView
from desktop.ui.bubble import CLIP, first_line
from desktop.ui.i18n import tr


def files_line(files: tuple[AttachmentView, ...]) -> str:
    """ "📎 beach.png", or "📎 3 files"."""
    if len(files) == 1:
        return f"{CLIP} {files[0].name}"
    return f"{CLIP} " + tr("%n file(s)", "", len(files))


def summary(m: MessageView) -> str:
    """The first line of the message's text; for files without a caption, the files."""
    line = first_line(m.text)
    if m.attachments:
        return f"{CLIP} {line}" if line else files_line(m.attachments)
    return line
