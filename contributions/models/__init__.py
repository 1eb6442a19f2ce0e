from .ledger import Contribution, Contributor, ModerationEvent

__all__ = ["Contribution", "Contributor", "ModerationEvent"]
