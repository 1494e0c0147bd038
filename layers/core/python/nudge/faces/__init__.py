"""The ways in: the CLI, the HTTP apps, the Telegram bot, the scheduled functions, the local stack
and the collector. Each turns its input into one feature call and its errors into its own words."""
