"""CRM adapters (HubSpot today) and the CRM outbox's sender: they only translate and talk HTTP;
what Baton writes is decided in ``routing/crm``."""
