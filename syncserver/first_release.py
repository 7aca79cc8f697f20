"""Events as apps of the first release get them: those apps know no event kinds or fields
added since, and would misread a change or a deleted message."""

from shared import protocol

# What apps of the first release, which know no later event kinds, are shown instead.
NEEDS_NEWER_APP = "This message needs a newer version of Tidings."
DELETED_MESSAGE = "This message was deleted."
FILE_LINE = "📎 {name} (this file needs a newer version of Tidings)"


def changes_for_first_release(event: protocol.Event) -> bool:
    """Whether an app of the first release must get this event otherwise than as it is: a
    kind it does not know, or a deleted message (whose empty text it would show as such)."""
    return event.kind not in protocol.FIRST_KINDS or event.deleted or bool(event.attachments)


def first_release(event: protocol.Event) -> protocol.Event:
    """The event as an app of the first release gets it: only the fields it had (and the
    time of writing, which it ignores), and a kind it does not know as a message whose text
    says to upgrade. It has no ``client_id``, which the app would take for one of its own."""
    if event.kind not in protocol.FIRST_KINDS:
        return protocol.Event(
            channel=event.channel,
            seq=event.seq,
            pos=event.pos,
            kind="message",
            sender=event.sender,
            ts=event.ts,
            text=NEEDS_NEWER_APP,
        )
    return protocol.Event(
        channel=event.channel,
        seq=event.seq,
        pos=event.pos,
        kind=event.kind,
        sender=event.sender,
        ts=event.ts,
        text=DELETED_MESSAGE if event.deleted else _with_files(event),
        client_id=event.client_id,
        subject=event.subject,
        name=event.name,
        written=event.written,
    )


def _with_files(event: protocol.Event) -> str:
    """A message's text, and after it a line naming each of its files, which an app of the
    first release cannot show (a file's caption may be empty)."""
    lines = [FILE_LINE.format(name=a.name) for a in event.attachments]
    return "\n".join(([event.text] if event.text else []) + lines)
