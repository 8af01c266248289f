"""What a new site starts with, until staff change it: the identity and the footer pages (webapp.identity).

They read well for the demo. Migration 0002 writes them; the pages fall back to the identity here when a site has
none (a database flushed by tests, a site added without one).
"""

NAME = "Likeness"
TAGLINE = "Paintings, sculpture and photographs to license"
INTRODUCTION = (
    "Search a catalog of paintings, sculpture and photographs, and license what you find for print, "
    "the web or broadcast.\n\n"
    "Search by words (a title, an artist, a subject) or by a picture: drop, paste or choose one to find "
    "it in the catalog, its other versions, and pictures that look like it."
)

PAGES = [
    (
        "/terms/",
        "Terms of licence",
        """
<p>Every picture in the catalog is offered under one of three licences. The licence of a picture is shown on its
page, with its price and any terms of its own.</p>
<h2>Royalty-free</h2>
<p>Use the picture as often as you like, in print and online, worldwide and without time limit, once the licence
is paid. You may not resell or share the file itself.</p>
<h2>Rights-managed</h2>
<p>One use, in one territory, for one period, as agreed in the licence. Further uses, longer periods and
exclusivity are available on request.</p>
<h2>Editorial use only</h2>
<p>For news, education, criticism and review. Not for advertising, promotion or merchandise.</p>
<p>A granted licence comes with a link to download the original file. The preview images on this site are
watermarked and are not licensed for any use.</p>
""",
    ),
    (
        "/licensing-faq/",
        "Licensing FAQ",
        """
<h2>How do I license a picture?</h2>
<p>Open the picture and choose <em>License this picture</em>. Tell us how you would like to use it; we answer by
e-mail, usually within two working days.</p>
<h2>I found one of your pictures elsewhere. Can you tell me which one it is?</h2>
<p>Yes: drop or paste it into the search bar. The catalog finds its original even when the copy was cropped,
resized, recompressed or framed, and shows where in the original your copy lies.</p>
<h2>Can I get a larger file?</h2>
<p>A granted licence includes the original file at full resolution. When the search finds a copy, it says when
the catalog holds a higher resolution than yours.</p>
<h2>Do you charge for the search?</h2>
<p>No. Searching is free; only a granted licence is charged.</p>
""",
    ),
    (
        "/contact/",
        "Contact",
        """
<p>Questions about a picture, a licence or your request: write to the picture desk at
<a href="mailto:pictures@example.org">pictures@example.org</a>, and quote the picture's identifier.</p>
<p>Rights holders and partners who would like to add a collection to the catalog are welcome to write to the
same address.</p>
""",
    ),
    (
        "/privacy/",
        "Privacy",
        """
<p>Pictures you search by are kept on our server for an hour, so that you can search a part of them, and are then
deleted. They are never added to the catalog or shown to anyone else.</p>
<p>When you ask to license a picture we keep your name, e-mail address and request, to answer it and to keep a
record of the licences we grant. We do not share them and send no marketing.</p>
<p>This site sets only the cookies it needs to work: one that protects its forms, and a session cookie when staff
sign in.</p>
""",
    ),
]
