"""The directory (通讯录、名单、资料库): pure rules for contacts, name lists, documents, templates."""
