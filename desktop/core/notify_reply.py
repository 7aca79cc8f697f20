"""A reply written in a notification: it goes out like a message typed into its chat, and
the chat counts as read up to the message the notification showed, which the user read to
answer it (as Signal does). No Qt; it runs on the engine's thread, where the notification
policy hears the engine's events."""

from desktop.cache.views import MessageView
from desktop.core.engine import SyncEngine
from desktop.core.notify_policy import NotificationPolicy


def reply_from_notification(
    engine: SyncEngine, policy: NotificationPolicy, chat: int, text: str
) -> MessageView:
    """Queue ``text`` for ``chat`` (through the outbox: it waits there while offline) and
    mark the chat read up to the message its notification showed. Raises ``ValueError``
    (its words never quote the text) for a blank or too long reply: then nothing is sent
    and the chat stays unread."""
    message = engine.send(chat, text)
    answered = policy.answered(chat)
    if answered is not None:
        engine.mark_read(chat, answered)
    return message
