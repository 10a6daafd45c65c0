"""Web chat: demo consulate page and the embeddable Orienta widget (see docs/webchat.md)."""
