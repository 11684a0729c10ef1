"""Reference data the demo generator draws from: places, industries, products, people, roles.

The demo company, Cobalt Systems, sells a B2B software platform and add-ons to North American
companies. Everything here is fictional.
"""

from __future__ import annotations

from typing import NamedTuple

EMAIL_DOMAIN = "cobalt.example"


class City(NamedTuple):
    name: str
    state: str
    latitude: float
    longitude: float


REGIONS: dict[str, tuple[City, ...]] = {
    "West": (
        City("San Francisco", "CA", 37.7749, -122.4194),
        City("Los Angeles", "CA", 34.0522, -118.2437),
        City("San Diego", "CA", 32.7157, -117.1611),
        City("Seattle", "WA", 47.6062, -122.3321),
        City("Portland", "OR", 45.5152, -122.6784),
        City("Denver", "CO", 39.7392, -104.9903),
        City("Phoenix", "AZ", 33.4484, -112.0740),
        City("Salt Lake City", "UT", 40.7608, -111.8910),
        City("Las Vegas", "NV", 36.1699, -115.1398),
    ),
    "Central": (
        City("Chicago", "IL", 41.8781, -87.6298),
        City("Dallas", "TX", 32.7767, -96.7970),
        City("Austin", "TX", 30.2672, -97.7431),
        City("Houston", "TX", 29.7604, -95.3698),
        City("Minneapolis", "MN", 44.9778, -93.2650),
        City("Kansas City", "MO", 39.0997, -94.5786),
        City("St. Louis", "MO", 38.6270, -90.1994),
        City("Detroit", "MI", 42.3314, -83.0458),
        City("Columbus", "OH", 39.9612, -82.9988),
    ),
    "East": (
        City("New York", "NY", 40.7128, -74.0060),
        City("Boston", "MA", 42.3601, -71.0589),
        City("Philadelphia", "PA", 39.9526, -75.1652),
        City("Washington", "DC", 38.9072, -77.0369),
        City("Atlanta", "GA", 33.7490, -84.3880),
        City("Miami", "FL", 25.7617, -80.1918),
        City("Charlotte", "NC", 35.2271, -80.8431),
        City("Pittsburgh", "PA", 40.4406, -79.9959),
        City("Raleigh", "NC", 35.7796, -78.6382),
    ),
}
#: Share of accounts in each region.
REGION_WEIGHTS = {"West": 0.36, "Central": 0.30, "East": 0.34}

#: Territory segments: which account segments each sales segment covers.
SALES_SEGMENTS = {"Commercial": ("SMB", "Mid-Market"), "Enterprise": ("Enterprise",)}

#: Industry -> (weight, revenue per employee in USD, potential fit factor).
INDUSTRIES: dict[str, tuple[float, int, float]] = {
    "Technology": (0.18, 320_000, 1.4),
    "Financial Services": (0.12, 410_000, 1.3),
    "Healthcare": (0.13, 190_000, 1.1),
    "Manufacturing": (0.14, 260_000, 0.9),
    "Retail": (0.10, 180_000, 0.8),
    "Logistics": (0.08, 220_000, 0.9),
    "Education": (0.07, 120_000, 0.7),
    "Energy": (0.06, 520_000, 1.0),
    "Media": (0.06, 240_000, 1.0),
    "Public Sector": (0.06, 150_000, 0.8),
}


class ProductSpec(NamedTuple):
    name: str
    family: str
    list_price: int
    #: Weight of the product in new deals for customers that do not own it yet.
    cross_sell_weight: float


PRODUCTS = (
    ProductSpec("Cobalt Platform", "Platform", 24_000, 0.0),
    ProductSpec("Analytics Cloud", "Analytics", 12_000, 3.0),
    ProductSpec("Data Connectors", "Integration", 6_000, 2.5),
    ProductSpec("Security Shield", "Security", 15_000, 2.0),
    ProductSpec("Workflow Automation", "Platform", 9_000, 2.0),
    ProductSpec("Mobile Workspace", "Platform", 5_000, 1.2),
    ProductSpec("Premium Support", "Services", 8_000, 1.5),
)
#: The product every new customer starts with.
CORE_PRODUCT = PRODUCTS[0].name

#: Buying role -> job titles.
BUYING_ROLES: dict[str, tuple[str, ...]] = {
    "Economic Buyer": ("Chief Financial Officer", "VP Operations", "Chief Information Officer"),
    "Champion": ("Director of Sales Operations", "Head of Revenue Operations", "IT Director"),
    "Technical Evaluator": ("Solutions Architect", "IT Manager", "Lead Engineer"),
    "User": ("Sales Manager", "Operations Analyst", "Account Executive"),
    "Influencer": ("Procurement Manager", "Security Officer", "Legal Counsel"),
}

FIRST_NAMES = (
    "Avery",
    "Jordan",
    "Morgan",
    "Taylor",
    "Casey",
    "Riley",
    "Jamie",
    "Quinn",
    "Harper",
    "Rowan",
    "Elena",
    "Marcus",
    "Priya",
    "Daniel",
    "Sofia",
    "Kenji",
    "Amara",
    "Lucas",
    "Nadia",
    "Omar",
    "Grace",
    "Tomas",
    "Leah",
    "Victor",
    "Maya",
    "Samuel",
    "Irene",
    "Diego",
    "Hannah",
    "Felix",
    "Chloe",
    "Andre",
    "Zara",
    "Peter",
    "Lena",
    "Rafael",
    "Ines",
    "Caleb",
    "Mira",
    "Owen",
    "Darcel",
    "Beatrice",
    "Hugo",
    "Yuki",
    "Naomi",
    "Arjun",
    "Clara",
    "Mateo",
    "Ruth",
    "Emil",
)
LAST_NAMES = (
    "Nguyen",
    "Okafor",
    "Schmidt",
    "Patel",
    "Garcia",
    "Kowalski",
    "Brennan",
    "Haddad",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Alvarez",
    "Fischer",
    "Osei",
    "Romano",
    "Novak",
    "Sato",
    "Mbeki",
    "Larsen",
    "Costa",
    "Weber",
    "Ivanova",
    "Dubois",
    "Reyes",
    "Kim",
    "Walsh",
    "Ahmed",
    "Bianchi",
    "Hughes",
    "Petrov",
    "Silva",
    "Jensen",
    "Murphy",
    "Castillo",
    "Yamamoto",
    "Adeyemi",
    "Becker",
    "Rossi",
    "Chen",
    "Duarte",
    "Holm",
    "Kaur",
    "Lopez",
    "Marsh",
    "Nakamura",
    "Olsen",
    "Price",
    "Quigley",
    "Ramos",
    "Stone",
)

#: Well-known fictional companies given to the first accounts, then generated names follow.
FEATURED_ACCOUNTS = (
    "Acme Corporation",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Manufacturing",
    "Wayne Logistics",
    "Hooli",
    "Vandelay Industries",
    "Soylent Foods",
    "Tyrell Systems",
    "Wonka Retail",
    "Cyberdyne Robotics",
    "Massive Dynamic",
    "Oscorp Energy",
    "Pied Piper",
    "Dunder Mifflin",
    "Prestige Worldwide",
    "Monarch Energy",
    "Aperture Labs",
    "Gekko Capital",
    "Nakatomi Trading",
    "Sirius Cybernetics",
    "Blue Sun Logistics",
    "Virtucon",
    "Bluth Company",
)
NAME_STEMS = (
    "Apex",
    "Beacon",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Northstar",
    "Orchid",
    "Pinnacle",
    "Quarry",
    "Redwood",
    "Summit",
    "Tidewater",
    "Unity",
    "Vertex",
    "Willow",
    "Zenith",
    "Aurora",
    "Bridgeway",
    "Crescent",
    "Driftwood",
    "Evergreen",
    "Frontier",
    "Glacier",
    "Horizon",
    "Ironclad",
    "Jetstream",
    "Kingfisher",
    "Lakeshore",
    "Magnolia",
    "Nimbus",
    "Oakridge",
    "Pioneer",
    "Quicksilver",
    "Riverbend",
    "Sequoia",
    "Trailhead",
    "Upland",
    "Vanguard",
    "Westwind",
    "Yellowstone",
    "Bramble",
    "Copperleaf",
)
NAME_SUFFIX_BY_INDUSTRY: dict[str, tuple[str, ...]] = {
    "Technology": ("Software", "Systems", "Labs", "Networks", "Digital"),
    "Financial Services": ("Capital", "Financial", "Bancorp", "Insurance", "Partners"),
    "Healthcare": ("Health", "Medical", "Clinics", "Biosciences", "Care"),
    "Manufacturing": ("Manufacturing", "Industries", "Fabrication", "Components", "Works"),
    "Retail": ("Retail", "Outfitters", "Markets", "Brands", "Stores"),
    "Logistics": ("Logistics", "Freight", "Shipping", "Transport", "Supply"),
    "Education": ("University", "Academy", "Learning", "College", "Schools"),
    "Energy": ("Energy", "Power", "Utilities", "Renewables", "Resources"),
    "Media": ("Media", "Studios", "Publishing", "Broadcasting", "Entertainment"),
    "Public Sector": ("County", "Authority", "Services", "Agency", "District"),
}

LOSS_REASONS = ("Price", "Lost to competitor", "No decision", "Timing", "Missing feature", "Went dark")

ACTIVITY_KINDS = ("email", "call", "meeting", "demo", "note")
#: Subject templates per kind; ``{contact}`` and ``{product}`` are filled in.
ACTIVITY_SUBJECTS: dict[str, tuple[str, ...]] = {
    "email": (
        "Sent pricing overview to {contact}",
        "Follow-up email to {contact}",
        "Shared {product} case study with {contact}",
    ),
    "call": (
        "Discovery call with {contact}",
        "Check-in call with {contact}",
        "Call with {contact} about timeline",
    ),
    "meeting": (
        "On-site meeting with {contact}",
        "Business review with {contact}",
        "Mutual action plan review with {contact}",
    ),
    "demo": ("{product} demo for {contact}", "Technical deep dive with {contact}"),
    "note": (
        "Internal note: {product} requirements from {contact}",
        "Internal note: budget signals from {contact}",
    ),
}
NEXT_STEPS = (
    "Send proposal",
    "Schedule technical review",
    "Confirm budget with economic buyer",
    "Book executive sponsor meeting",
    "Agree mutual action plan",
    "Security questionnaire",
    "Legal review of contract",
    "Pricing call",
    "Reference call",
    "Pilot kickoff",
)
