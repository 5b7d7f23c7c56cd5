"""Tasks on Telegram: capture, the lists, the commands and buttons that act on a task, and the
replies that are about one (spec/conversations.md).

Handlers translate: read the update, call the task service, render the answer (bot/tasks/views.py
for what goes to others, bot/tasks/screens.py for what the actor sees). Prompts (办不了 / 推迟到… /
转交给…) are stateless: the bot's question carries the task number and is recognised again from
its text when the person replies, so a restart loses nothing.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import Services
from bot.core.feature import Feature
from bot.tasks import callbacks, views
from handlers.tasks.buttons import BUTTONS, cb_task
from handlers.tasks.commands import (
    cmd_cancel,
    cmd_done,
    cmd_due,
    cmd_extend,
    cmd_priority,
    cmd_reassign,
    cmd_rename,
    cmd_report,
    cmd_snooze,
)
from handlers.tasks.creating import cmd_task, msg_group_text, msg_private_text
from handlers.tasks.lists import cmd_assigned, cmd_my, cmd_next, cmd_tasks

__all__ = ["BUTTONS", "feature"]


def feature(_services: Services) -> Feature:
    """Task commands and buttons; plain text last (a task in private, a reply about a task)."""
    text = filters.TEXT & ~filters.COMMAND
    return Feature(
        "tasks",
        handlers=(
            CommandHandler("task", cmd_task),
            CommandHandler("my", cmd_my),
            CommandHandler("next", cmd_next),
            CommandHandler("done", cmd_done),
            CommandHandler("snooze", cmd_snooze),
            CommandHandler("report", cmd_report),
            CommandHandler("extend", cmd_extend),
            CommandHandler("assigned", cmd_assigned),
            CommandHandler("tasks", cmd_tasks),
            CommandHandler("due", cmd_due),
            CommandHandler("reassign", cmd_reassign),
            CommandHandler("cancel", cmd_cancel),
            CommandHandler("rename", cmd_rename),
            CommandHandler("priority", cmd_priority),
            CallbackQueryHandler(cb_task, pattern=callbacks.PATTERN),
        ),
        # In a group only replies to the bot and mentions of it (or, with privacy mode off, a
        # clear assignment); last, so it never shadows a command or another feature.
        catch_all=(
            MessageHandler(text & filters.ChatType.PRIVATE, msg_private_text),
            MessageHandler(text & filters.ChatType.GROUPS, msg_group_text),
        ),
        messages=views.MESSAGES,
    )
