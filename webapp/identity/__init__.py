"""The site's own face, set by staff in the admin: name, logo, introduction, favicon, footer pages."""
