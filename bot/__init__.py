"""officebot: the office's coordination work (办公室协调服务) on Telegram."""

__version__ = "0.1.0"
