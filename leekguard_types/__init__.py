"""The shared value types of LeekGuard: what adapters, the pipeline, the detection engine and the store exchange.

It imports nothing of the project (and no chat platform), so `detectors/` can be used as a library without `bot/`:

    leekguard_types.messages   Message, Author, ImageRef                      (adapters build them)
    leekguard_types.verdicts   Verdict, Finding, Span, Label, LABELS, CATEGORIES  (the engine answers them)
    leekguard_types.records    ExportRecord, ReadProblem, export format names   (chat-export readers yield them)
    leekguard_types.images     ImageRejected and its reason codes               (why a picture was not analysed)

Import them from the package: `from leekguard_types import Message, Verdict`.
"""

from leekguard_types.images import ImageRejected
from leekguard_types.messages import Author, ImageRef, Message
from leekguard_types.records import ExportRecord, ReadProblem
from leekguard_types.verdicts import CATEGORIES, LABELS, Finding, Label, Span, Verdict

__all__ = [
    "CATEGORIES", "LABELS", "Author", "ExportRecord", "Finding", "ImageRef", "ImageRejected", "Label", "Message",
    "ReadProblem", "Span", "Verdict",
]
