"""The CRM, seen from the domain: which change a lead's event makes there, and the port a CRM
adapter (HubSpot today, Salesforce next) implements. Pure: no HTTP, no names of any one CRM's
API beyond the property names the changes carry."""
