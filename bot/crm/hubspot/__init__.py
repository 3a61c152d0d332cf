"""HubSpot through the official ``hubspot-api-client``: names and HTTP, nothing decided here."""
