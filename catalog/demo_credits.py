"""Who made the demo catalog's pictures, and on what terms: painters, sculptors and a photographic studio (invented,
their works painted in code) and scikit-image's sample photographs (real, each with its photographer and licence,
as skimage.data's docstrings give them). catalog.demo_catalog lists their works."""

from __future__ import annotations

from dataclasses import dataclass

MUSEUM = ("Harbourview Museum of Art", "Harbourview Museum Trust")
MODERN = ("Meridian Modern", "Meridian Foundation")
SCULPTURE = ("The Linden Sculpture Court", "Linden Family Estate")
ARCHIVE = ("Northlight Photo Archive", "Northlight Archives Ltd")
COMMONS = ("Open Photo Commons", "Public domain and CC0 photographers")
TERMS = {
    "royalty-free": "Unlimited print and digital use, worldwide, in perpetuity. No resale of the file.",
    "rights-managed": "One use, one territory, one year; extensions on request. Exclusivity available.",
    "editorial": "Editorial use only (news, education, criticism). No advertising or merchandise.",
}


@dataclass(frozen=True)
class Artist:
    name: str
    born: str  # as a label gives it, "born 1971" or two years with an en dash
    active: tuple[int, int]  # years a work may be dated
    scene: str  # catalog.demo_painting.SCENES, or "sculpture", "vintage"
    palette: dict  # the scene's colours (sculpture: material and form; vintage: the scenes it photographs)
    collection: tuple[str, str]  # name, rights holder
    licence: str
    prices: tuple[int, int]  # EUR, low and high
    tags: str
    titles: tuple[str, ...]
    brush: float = 1.0  # stroke size


# fmt: off
SEA = {"sky": (118, 140, 166), "haze": (222, 205, 170), "cloud": (236, 230, 214), "sun": (250, 226, 160),
       "sea": (58, 78, 92), "dark": (48, 40, 36), "sail": (214, 190, 140)}
SUMMER = {"sky": (96, 150, 222), "haze": (214, 230, 240), "cloud": (250, 250, 244), "sea": (64, 112, 150),
          "field": (112, 160, 64), "tree": (44, 92, 40), "flower": (226, 60, 52)}
SNOW = {"sky": (44, 58, 102), "haze": (170, 170, 196), "sun": (252, 236, 176), "snow": (232, 236, 244),
        "house": (150, 44, 36), "tree": (22, 40, 36)}
TABLE = {"wall": (46, 36, 28), "table": (104, 64, 34), "cloth": (226, 220, 204),
         "fruit": ((236, 196, 40), (180, 36, 30), (96, 40, 90), (210, 120, 40))}
POLDER = {"sky": (86, 110, 140), "haze": (220, 214, 190), "cloud": (238, 232, 216), "field": (104, 110, 56),
          "tree": (42, 56, 34), "dark": (40, 34, 30)}
ALPS = {"sky": (70, 60, 110), "sun": (246, 150, 70), "far": (170, 120, 140), "near": (40, 42, 60)}
FIELDS = {"ground": (140, 40, 36), "fields": ((230, 120, 40), (60, 30, 50), (210, 180, 90))}
HILLS = {"sky": (90, 170, 230), "haze": (240, 230, 200), "tree": (30, 70, 40),
         "fields": ((226, 190, 60), (120, 170, 60), (200, 110, 60), (80, 130, 70), (160, 90, 120))}
# A colour-field painter chooses each work's ground and three bands anew from these.
GROUNDS = ((140, 40, 36), (30, 50, 90), (200, 170, 60), (60, 70, 50), (90, 30, 70))
BANDS = ((230, 120, 40), (60, 30, 50), (210, 180, 90), (40, 90, 160), (180, 40, 40), (230, 200, 150), (20, 20, 30))

ARTISTS = [
    Artist("Johanna Verhoeven", "1838–1904", (1866, 1902), "seascape", SEA, MUSEUM, "royalty-free", (60, 220),
           "painting, seascape, harbour, boats, sea, 19th century",
           ("Harbour at Dawn", "Fishing Boats at Low Tide", "Evening Calm on the Zuiderzee",
            "The Herring Fleet Returning", "Beached Boats at Scheveningen", "The Pier in Autumn Light",
            "Sails at Sunset", "Morning Mist over the Harbour", "The Ferry Landing", "A Quiet Anchorage",
            "Boats in the Roads", "The Old Harbour Mouth")),
    Artist("Élise Marchand", "1852–1921", (1879, 1918), "river", SUMMER, MUSEUM, "royalty-free", (80, 260),
           "painting, landscape, impressionism, river, trees, summer",
           ("Poplars by the River", "The Epte in June", "Meadow with Poppies", "Summer Afternoon at Giverny",
            "The River Bend", "Willows in the Wind", "A Row of Poplars", "Picnic by the Water",
            "Reflections at Noon", "The Towpath"), 1.15),
    Artist("Tomas Lindqvist", "1861–1932", (1888, 1930), "winter", SNOW, MUSEUM, "royalty-free", (90, 280),
           "painting, landscape, winter, snow, night, Scandinavia",
           ("Winter Night in Dalarna", "Moonrise over the Snow", "The Red Cottage", "Firs under Snow",
            "Blue Hour, January", "First Snow", "A Lamp in the Window", "Frozen Lake at Dusk", "The Sleigh Road")),
    Artist("Giulia Castellano", "1623–1688", (1650, 1686), "still life", TABLE, MUSEUM, "royalty-free", (120, 340),
           "painting, still life, fruit, baroque, 17th century",
           ("Still Life with Lemons and a Jug", "Still Life with Apples", "Grapes and Pomegranates on a Ledge",
            "A Table with Fruit and a Bottle", "Still Life with Quinces", "Oranges on a Pewter Plate",
            "Figs and a Wine Jug")),
    Artist("Pieter de Graaf", "1641–1702", (1664, 1700), "mill", POLDER, MUSEUM, "royalty-free", (120, 360),
           "painting, landscape, windmill, Dutch Golden Age, clouds, 17th century",
           ("Wooded Landscape with a Mill", "The Windmill at Wijk", "A Polder under a Great Sky",
            "Landscape with a Canal", "Dunes near Haarlem", "Clouds over the Flats", "The Mill by the Water")),
    Artist("Henrietta Ashdown", "1790–1859", (1814, 1855), "mountains", ALPS, MUSEUM, "royalty-free", (90, 300),
           "painting, landscape, mountains, sunset, romanticism, lake",
           ("Sunset in the Alps", "The Lake at Evening", "Alpine Glow", "Storm Clearing over the Valley",
            "Mountains above Lucerne", "The Last Light")),
    Artist("Kenji Mori", "1928–2011", (1956, 2004), "colour field", FIELDS, MODERN, "rights-managed", (400, 1800),
           "painting, abstract, colour field, modern art",
           ("Orange over Plum", "Untitled (Red, Ochre)", "Three Bands", "Threshold No. 4", "Ember", "Dusk Field")),
    Artist("Ada Okafor", "born 1971", (2003, 2024), "fields", HILLS, MODERN, "rights-managed", (350, 1500),
           "painting, landscape, contemporary, hills, fields",
           ("Harvest Hills", "The Long Field", "Summer Furrows", "One Tree", "Rapeseed in May", "Hillside in August")),
    Artist("Marguerite Dufour", "1862–1940", (1890, 1934), "sculpture", {"material": "marble", "form": "torso"},
           SCULPTURE, "royalty-free", (90, 260), "sculpture, marble, torso, figure",
           ("Torso of a Dancer", "Marble Torso", "Fragment of a Figure", "Standing Torso", "Study for Spring")),
    Artist("Henrik Brandt", "1925–1998", (1958, 1994), "sculpture", {"material": "bronze", "form": "reclining"},
           SCULPTURE, "rights-managed", (300, 1200), "sculpture, bronze, abstract, modern",
           ("Reclining Form", "Two Pieces, Bronze", "Resting Figure", "Shore Stone")),
    Artist("Studio Lemaire", "active 1870–1905", (1872, 1904), "vintage", {"scenes": ("seascape", "mill", "winter")},
           ARCHIVE, "editorial", (40, 150), "photography, vintage, albumen print, 19th century",
           ("The Harbour at Ostend", "Windmill near Delft", "A Village in Snow", "Fishing Boats, Low Water",
            "The Polder Road", "Winter Morning")),
]
# fmt: on


@dataclass(frozen=True)
class Photo:
    """A scikit-image sample photo: its real photographer, source and licence."""

    sample: str  # the skimage.data function
    title: str
    creator: str
    year: int | None
    tags: str
    credit: str


# fmt: off
PHOTOS = [
    Photo("chelsea", "Chelsea the Cat", "Stefan van der Walt", None, "photography, cat, animal, pet",
          "Photograph by Stefan van der Walt, dedicated to the public domain (CC0)."),
    Photo("coffee", "Coffee Cup", "Rachel Michetti", None, "photography, coffee, cup, still life",
          "Photograph by Rachel Michetti, courtesy of Pikolo Espresso Bar; public domain (CC0)."),
    Photo("astronaut", "Astronaut Eileen Collins", "NASA", None, "photography, portrait, astronaut, space",
          "NASA photograph (NASA Great Images); no known copyright restrictions, public domain."),
    Photo("rocket", "DSCOVR Launch on Falcon 9", "SpaceX", 2015, "photography, rocket, launch, space",
          "Photograph by SpaceX, released into the public domain."),
    Photo("camera", "The Cameraman", "Lav Varshney", None, "photography, portrait, camera, black and white",
          "Photograph by Lav Varshney, dedicated to the public domain (CC0)."),
    Photo("coins", "Greek Coins from Pompeii", "Brooklyn Museum", None, "photography, coins, archaeology, Pompeii",
          "From the Brooklyn Museum collection; no known copyright restrictions."),
    Photo("hubble_deep_field", "Hubble eXtreme Deep Field", "NASA", 2012, "photography, astronomy, galaxies, space",
          "NASA photograph (HubbleSite); may be freely used, public domain."),
    Photo("clock", "Wall Clock in Motion", "Stefan van der Walt", None, "photography, clock, motion blur",
          "Photograph by Stefan van der Walt, released into the public domain."),
]
# fmt: on
