"""Publishing: lead lists out to the CRM and the channels, each exactly once per business date."""
