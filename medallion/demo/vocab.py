"""Embedded word lists for realistic UK and Irish people, addresses and products.

All strings are ASCII: the real dataset contains no non-ASCII character (so, for example, Irish
names are written without fadas), and ASCII keeps ``json.dumps`` output free of ``\\u`` escapes.
"""

from __future__ import annotations

from typing import NamedTuple


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES: tuple[str, ...] = _words(
    """
    Oliver George Harry Jack Jacob Noah Charlie Thomas Oscar William James Leo Alfie Henry
    Joshua Freddie Archie Ethan Isaac Alexander Joseph Edward Samuel Max Daniel Arthur Lucas
    Mohammed Logan Theo Harrison Benjamin Mason Sebastian Finley Adam Dylan Zachary Riley
    Teddy Toby Luke Callum Reuben Jordan Stewart Michael Marc Ian Peter Paul Mark David
    Andrew Stephen Richard Christopher Matthew Anthony Kevin Gareth Rhys Owen Gavin Declan
    Jamie Aidan Conor Sean Ciaran Cian Darragh Eoin Fionn Liam Niall Oisin Padraig Ronan
    Seamus Tadhg Cathal Colm Donal Eamon Fergus Killian Rory Shane Brendan Dermot
    Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie
    Ivy Freya Harper Willow Charlotte Jessica Daisy Alice Florence Phoebe Sienna Matilda
    Ruby Rosie Evelyn Imogen Hollie Julie Tina Deborah Lynn Leah Sylvia Tracy Joanne June
    Kelly Amy Lydia Jean Nicole Charlotte Hannah Rachel Sarah Laura Emma Claire Gemma Helen
    Louise Victoria Catherine Eleanor Abigail Megan Chloe Lauren Bethany Aoife Niamh Saoirse
    Siobhan Sinead Roisin Orla Ciara Caoimhe Clodagh Eimear Grainne Maeve Muireann Aisling
    Deirdre Fiona Mairead Sorcha Una Ailbhe Emer Eabha Bernadette Maura Nuala Brid
    """
)

LAST_NAMES: tuple[str, ...] = _words(
    """
    Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
    Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson
    Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan
    Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell
    Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan
    Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell
    Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills
    Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey
    Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds
    Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer
    Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong
    Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page
    Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson
    Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson
    Byrne Ryan O'Sullivan Doyle McCarthy Gallagher O'Doherty Lynch Murray Quinn Moore
    McLoughlin O'Carroll Connolly Daly O'Connell Dunne Brennan Burke Collins Campbell
    Clarke Johnston Hughes O'Neill Farrell Fitzgerald Brown Martin Maguire Nolan Flynn
    Thompson O'Callaghan O'Donnell Duffy Mahony Boyle Healy O'Shea Whelan Sheehan Reilly
    Kavanagh Keane Power Hogan McGrath Egan Foley Hennessy Kinsella Moran Devlin Heffron
    Queally Comber Clogherty Eivers Crahan Deeny Mackey Convey Hannigan McMahon McAloon Roe
    """
)

# Street names common in both countries.
STREET_NAMES: tuple[str, ...] = _words(
    """
    High Station Church Main Park Victoria Green Manor Queens Kings Grange Mill School
    New Albert Alexander York Windsor Richmond Springfield Highfield Meadow Orchard Chapel
    George Cedar Beech Oak Elm Willow Ash Holly Hawthorn Rowan Chestnut Sycamore Heather
    Castle Bridge Abbey Priory Riverside Lakeside Hillside Woodland Forest Cromwell Nelson
    Wellington Cambridge Oxford Stanley Clarence Marlborough Belmont Fairview Glebe Sandford
    Seaview Strand Ormond Pearse Connolly Parnell Grattan Emmet Davitt Collins Tone Clarke
    """
)

STREET_SUFFIXES: tuple[str, ...] = _words(
    """
    Road Road Road Street Street Street Lane Avenue Close Drive Way Crescent Gardens Terrace
    Place Grove Court Hill Row Square Walk Mews Park View Rise Vale
    """
)

# Irish addresses often name the estate or building instead of a numbered street.
IRISH_ESTATES: tuple[str, ...] = _words(
    """
    Ashgrove Beechwood Cherrywood Clonard Glenview Hazelwood Kilbrook Larchfield Mountview
    Oakpark Rathmore Riverview Woodlawn Ballymore Castlepark Churchfield Greenfields
    """
)

IRISH_ESTATE_KINDS: tuple[str, ...] = _words("Park Lawn Heights Court Drive Grove Close Avenue")


class UkCity(NamedTuple):
    """A UK town: its postcode areas (with district ranges) and its dialling code."""

    name: str
    areas: tuple[tuple[str, int, int], ...]
    dialling_code: str


class IrishCity(NamedTuple):
    """An Irish town: its Eircode routing keys and its dialling code."""

    name: str
    routing_keys: tuple[str, ...]
    dialling_code: str


UK_CITIES: tuple[UkCity, ...] = (
    UkCity(
        "London",
        (("E", 1, 18), ("N", 1, 22), ("SE", 1, 28), ("SW", 1, 20), ("W", 2, 14), ("NW", 1, 11)),
        "020",
    ),
    UkCity("Manchester", (("M", 1, 46),), "0161"),
    UkCity("Birmingham", (("B", 1, 48),), "0121"),
    UkCity("Leeds", (("LS", 1, 29),), "0113"),
    UkCity("Glasgow", (("G", 1, 84),), "0141"),
    UkCity("Edinburgh", (("EH", 1, 17),), "0131"),
    UkCity("Liverpool", (("L", 1, 38),), "0151"),
    UkCity("Bristol", (("BS", 1, 16),), "0117"),
    UkCity("Sheffield", (("S", 1, 36),), "0114"),
    UkCity("Cardiff", (("CF", 3, 24),), "029"),
    UkCity("Belfast", (("BT", 1, 17),), "028"),
    UkCity("Newcastle upon Tyne", (("NE", 1, 15),), "0191"),
    UkCity("Nottingham", (("NG", 1, 17),), "0115"),
    UkCity("Leicester", (("LE", 1, 9),), "0116"),
    UkCity("Southampton", (("SO", 14, 19),), "023"),
    UkCity("Brighton", (("BN", 1, 3),), "01273"),
    UkCity("Oxford", (("OX", 1, 4),), "01865"),
    UkCity("Cambridge", (("CB", 1, 5),), "01223"),
    UkCity("York", (("YO", 1, 32),), "01904"),
    UkCity("Aberdeen", (("AB", 10, 25),), "01224"),
    UkCity("Norwich", (("NR", 1, 7),), "01603"),
    UkCity("Exeter", (("EX", 1, 6),), "01392"),
    UkCity("Plymouth", (("PL", 1, 9),), "01752"),
    UkCity("Coventry", (("CV", 1, 6),), "024"),
    UkCity("Bath", (("BA", 1, 2),), "01225"),
    UkCity("Derby", (("DE", 1, 24),), "01332"),
    UkCity("Swansea", (("SA", 1, 7),), "01792"),
    UkCity("Dundee", (("DD", 1, 5),), "01382"),
    UkCity("Reading", (("RG", 1, 6),), "0118"),
    UkCity("Preston", (("PR", 1, 5),), "01772"),
    UkCity("Stoke-on-Trent", (("ST", 1, 6),), "01782"),
    UkCity("Wolverhampton", (("WV", 1, 14),), "01902"),
    UkCity("Hull", (("HU", 1, 9),), "01482"),
    UkCity("Inverness", (("IV", 1, 3),), "01463"),
)

IRISH_CITIES: tuple[IrishCity, ...] = (
    IrishCity("Dublin", (*(f"D{n:02d}" for n in range(1, 25)), "D6W"), "01"),
    IrishCity("Cork", ("T12", "T23"), "021"),
    IrishCity("Galway", ("H91",), "091"),
    IrishCity("Limerick", ("V94",), "061"),
    IrishCity("Waterford", ("X91",), "051"),
    IrishCity("Kilkenny", ("R95",), "056"),
    IrishCity("Sligo", ("F91",), "071"),
    IrishCity("Drogheda", ("A92",), "041"),
    IrishCity("Dundalk", ("A91",), "042"),
    IrishCity("Athlone", ("N37",), "090"),
    IrishCity("Wexford", ("Y35",), "053"),
    IrishCity("Killarney", ("V93",), "064"),
    IrishCity("Ennis", ("V95",), "065"),
    IrishCity("Tralee", ("V92",), "066"),
    IrishCity("Navan", ("C15",), "046"),
    IrishCity("Bray", ("A98",), "01"),
    IrishCity("Letterkenny", ("F92",), "074"),
)

# UK inward codes never use these letters (Royal Mail rule), which keeps postcodes plausible.
UK_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# Eircode unique identifiers use digits and this reduced letter set.
EIRCODE_CHARS = "0123456789ACDEFHKNPRTVWXY"

EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net")

SEGMENTS: tuple[str | None, ...] = ("health", "sports", "beauty", None)
# Real data: 255 health, 111 sports, 75 beauty, 336 null out of 777.
SEGMENT_WEIGHTS: tuple[float, ...] = (0.33, 0.14, 0.10, 0.43)

CATEGORIES: tuple[str, ...] = ("vitamin", "beauty", "sports", "misc", "food")
# Real data: 1164 vitamin, 487 beauty, 484 sports, 228 misc, 117 food out of 2,480.
CATEGORY_WEIGHTS: tuple[float, ...] = (0.47, 0.20, 0.19, 0.09, 0.05)

# Product name building blocks per category: (stems, variants, pack sizes).
PRODUCT_PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "vitamin": (
        (
            "Vitamin C",
            "Vitamin D3",
            "Vitamin B12",
            "Vitamin E",
            "Multivitamin",
            "Zinc",
            "Magnesium",
            "Iron",
            "Omega-3 Fish Oil",
            "Cod Liver Oil",
            "Folic Acid",
            "Calcium",
            "Biotin",
            "Glucosamine",
            "Turmeric",
            "Probiotic",
            "Evening Primrose Oil",
            "Echinacea",
            "Vitamin B Complex",
            "Selenium",
            "Collagen",
            "Evening Primrose",
        ),
        (
            "500mg",
            "1000mg",
            "25mcg",
            "1000IU",
            "4000IU",
            "High Strength",
            "Time Release",
            "Chewable",
            "Effervescent",
            "Once a Day",
        ),
        (
            "Tablets x30",
            "Tablets x60",
            "Tablets x90",
            "Capsules x60",
            "Capsules x120",
            "Softgels x90",
            "Gummies x60",
            "Tablets x180",
        ),
    ),
    "beauty": (
        (
            "Hyaluronic Serum",
            "Day Cream",
            "Night Cream",
            "Cleansing Balm",
            "Micellar Water",
            "Body Lotion",
            "Hand Cream",
            "Lip Balm",
            "Face Mask",
            "Eye Cream",
            "Shampoo",
            "Conditioner",
            "Facial Oil",
            "Exfoliating Scrub",
            "Sun Cream SPF30",
            "Toner",
        ),
        (
            "Rose",
            "Aloe Vera",
            "Shea Butter",
            "Vitamin C",
            "Tea Tree",
            "Argan",
            "Coconut",
            "Unscented",
            "Sensitive",
            "Lavender",
        ),
        ("15ml", "30ml", "50ml", "100ml", "200ml", "250ml", "400ml"),
    ),
    "sports": (
        (
            "Whey Protein",
            "Vegan Protein",
            "Creatine Monohydrate",
            "BCAA",
            "Protein Bar",
            "Energy Gel",
            "Electrolyte Tabs",
            "Pre-Workout",
            "Mass Gainer",
            "Shaker Bottle",
            "Resistance Band",
            "Recovery Drink",
            "Casein Protein",
            "Beta Alanine",
        ),
        (
            "Vanilla",
            "Chocolate",
            "Strawberry",
            "Salted Caramel",
            "Unflavoured",
            "Lemon",
            "Cookies and Cream",
            "Berry",
            "Orange",
            "Banana",
        ),
        ("250g", "500g", "1kg", "2kg", "x12", "x20", "Single"),
    ),
    "misc": (
        (
            "Pill Organiser",
            "Water Bottle",
            "Gift Card",
            "Travel Pouch",
            "Digital Scale",
            "Hot Water Bottle",
            "Reusable Bag",
            "Aromatherapy Diffuser",
            "Essential Oil",
            "Bamboo Toothbrush",
            "Sleep Mask",
            "Candle",
        ),
        ("Classic", "Deluxe", "Mini", "Large", "Eco", "Blue", "Green", "Grey"),
        ("Single", "Pack of 2", "Pack of 3", "Set"),
    ),
    "food": (
        (
            "Oat Bar",
            "Almonds",
            "Cashews",
            "Peanut Butter",
            "Green Tea",
            "Honey",
            "Granola",
            "Chia Seeds",
            "Dark Chocolate",
            "Rice Cakes",
            "Dried Mango",
            "Herbal Tea",
            "Coconut Oil",
            "Porridge Oats",
        ),
        (
            "Organic",
            "Raw",
            "Roasted",
            "Smooth",
            "Crunchy",
            "Manuka",
            "Sugar Free",
            "Wholegrain",
            "Fairtrade",
            "Gluten Free",
        ),
        ("40g", "100g", "200g", "340g", "500g", "1kg", "x20 Bags", "x5"),
    ),
}
