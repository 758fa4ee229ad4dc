"""Demo addresses for the packaging houses (one per block): a plausible street address, the PIN code of the
block's own post office area and a phone number, so demo labels never return to a placeholder. Only houses
still without an address get one (an address an admin entered is kept). The PIN codes are the usual ones of
each block's headquarters town as far as we know them; check before relying on any for real post."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.fulfilment import houses
from marketplace.fulfilment.models import PackagingHouse
from marketplace.geo.models import Block

# block (English name) -> (where in the block headquarters town, PIN code)
ADDRESSES = {
    # Saharsa, Bihar
    "Kahara": ("Block office campus, Bangaon Road, Saharsa", "852201"),
    "Sattar Kataiya": ("Near Block office, Sattar Kataiya", "852221"),
    "Sonbarsa": ("Station Road, Sonbarsa Raj", "852129"),
    "Simri Bakhtiyarpur": ("Main Road, Simri Bakhtiyarpur", "852127"),
    "Salkhua": ("Near Salkhua Block office", "852128"),
    "Mahishi": ("Ugratara Road, Mahishi", "852216"),
    "Nauhatta": ("Block office campus, Nauhatta", "852123"),
    "Patarghat": ("Near Block office, Patarghat", "852122"),
    "Saur Bazar": ("Station Road, Saur Bazar", "852221"),
    "Banma Itahari": ("Near Block office, Banma Itahari", "852127"),
    # Muzaffarpur, Bihar
    "Aurai": ("Block office road, Aurai", "843312"),
    "Bandra": ("Near Block office, Bandra", "843104"),
    "Bochahan": ("Main Road, Bochahan", "843103"),
    "Gaighat": ("Near Block office, Gaighat", "847107"),
    "Kanti": ("NH 28, Kanti", "843109"),
    "Katra": ("Near Block office, Katra", "843321"),
    "Kurhani": ("Station Road, Kurhani", "844120"),
    "Marwan": ("Near Block office, Marwan", "843113"),
    "Minapur": ("Main Road, Minapur", "843128"),
    "Motipur": ("Station Road, Motipur", "843111"),
    "Muraul": ("Near Block office, Muraul", "843113"),
    "Musahari": ("Block office campus, Musahari, Muzaffarpur", "842001"),
    "Paroo": ("Main Road, Paroo", "843112"),
    "Sahebganj": ("Near Block office, Sahebganj", "843125"),
    "Sakra": ("Station Road, Sakra", "843105"),
    "Saraiya": ("Near Block office, Saraiya", "843126"),
    # Patna, Bihar
    "Bakhtiyarpur": ("Station Road, Bakhtiyarpur", "803212"),
    "Barh": ("Near Block office, Barh", "803213"),
    "Bihta": ("Main Road, Bihta", "801103"),
    "Danapur": ("Near Block office, Danapur Cantt", "801503"),
    "Fatuha": ("Station Road, Fatuha", "803201"),
    "Maner": ("Near Block office, Maner", "801108"),
    "Masaurhi": ("Main Road, Masaurhi", "804452"),
    "Mokama": ("Station Road, Mokama", "803302"),
    "Naubatpur": ("Near Block office, Naubatpur", "801109"),
    "Paliganj": ("Main Road, Paliganj", "801110"),
    "Phulwari Sharif": ("Near Block office, Phulwari Sharif", "801505"),
    "Sampatchak": ("Near Block office, Sampatchak, Patna", "804454"),
    # Kondagaon, Chhattisgarh
    "Baderajpur": ("Near Janpad office, Baderajpur", "494229"),
    "Keshkal": ("NH 30, Keshkal", "494229"),
    "Kondagaon": ("Near Janpad office, Kondagaon", "494226"),
    "Makdi": ("Main Road, Makdi", "494226"),
    "Pharasgaon": ("Near Janpad office, Pharasgaon", "494226"),
    # Hamirpur, Himachal Pradesh
    "Bamsan": ("Near Block office, Tauni Devi", "177041"),
    "Bhoranj": ("Near Block office, Bhoranj", "176045"),
    "Bijhari": ("Main Bazaar, Bijhari", "174305"),
    "Hamirpur": ("Near Block office, Hamirpur", "177001"),
    "Nadaun": ("Main Bazaar, Nadaun", "177033"),
    "Sujanpur": ("Near Block office, Sujanpur Tira", "176110"),
}


def fill_house_addresses() -> int:
    """Give every house still without an address its block's demo address and a phone. Returns how many."""
    rows = db.session.execute(select(PackagingHouse, Block.name_en).join(Block, Block.id == PackagingHouse.block_id)
                              .order_by(PackagingHouse.id)).all()
    filled = 0
    for house, block_name in rows:
        if houses.address_problem(house) is None or block_name not in ADDRESSES:
            continue
        house.address_line, house.pin_code = ADDRESSES[block_name]
        house.phone = f"+9194310{house.block_id:05d}"
        filled += 1
    db.session.commit()
    return filled
