"""WhatsApp chat exports (.txt or .zip, Android or iOS, any locale) to `ParsedExport`.

Modules: reading (bytes → text), headers (which lines start a message), dates (field order,
12-hour clocks), bodies (message kinds), names (senders, chat names), parsing (the pipeline).
"""

from nudge.whatsapp.names import chat_name_from_filename
from nudge.whatsapp.parsing import parse_bytes, parse_path, parse_text

__all__ = ["chat_name_from_filename", "parse_bytes", "parse_path", "parse_text"]
