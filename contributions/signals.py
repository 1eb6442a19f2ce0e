"""Signals the ledger sends, for whoever keeps the audit trail (cartography/signals.py connects
them): the services stay unaware of logging policy, as they are for moderation events."""

from django.dispatch import Signal

# A person proved a key and received the credits waiting under it. Sent after commit with
# user, contributor, kind, key, credits (entries now theirs), placeholder_id (the placeholder
# claimed, or None), merged (True when the placeholder was folded into an existing record).
credit_claimed = Signal()

# A claim was refused because another account that signs in holds the key. Sent at once with
# user, kind, key, holder_user_id.
credit_claim_refused = Signal()
