"""Printed papers: the label carries the customer's Hindi address as real, extractable text, drawn with a
font that shapes Devanagari; the packing list says what is in each parcel."""

import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from marketplace.config import PROJECT_ROOT
from marketplace.extensions import db
from marketplace.fulfilment import documents
from marketplace.fulfilment import services as fulfilment
from marketplace.fulfilment.models import Parcel
from marketplace.invoices.pdf import FONT_DIR

from .conftest import login
from .test_fulfilment import CUSTOMER, HINDI_ADDRESS, build_world, hand_over, part_of, ready_order, ship


@pytest.fixture
def world(geo):
    return build_world(geo)


def _text(pdf: bytes) -> str:
    """The text as pypdf extracts it, less the glyphs that stand for no character of their own.

    Shaping turns a cluster such as र्या into several glyphs; the PDF maps one of them to the cluster's letters
    and the others to nothing (poppler's pdftotext then prints the letters alone). pypdf prints the bare code of
    such a glyph as a character instead, so those codes are taken out of that font's text here, and spaces too
    (extractors put spaces where shaped glyphs sit apart)."""
    chunks = []

    def visit(text, _cm, _tm, font, _size):
        chunks.append(text.translate(dict.fromkeys(_unmapped_codes(font))) if font else text)

    for page in PdfReader(BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return re.sub(r"\s", "", "".join(chunks))


def _unmapped_codes(font) -> set[int]:
    mapped = {int(code, 16) for code in re.findall(r"<([0-9A-F]{4})> <", _cmap(font))}
    widths = font["/DescendantFonts"][0].get_object()["/W"]
    return set(range(int(widths[0]), int(widths[0]) + len(widths[1]))) - mapped


def _cmap(font) -> str:
    return font["/ToUnicode"].get_object().get_data().decode()


def _squeezed(text: str) -> str:
    return re.sub(r"\s", "", text)


def _fonts(pdf: bytes) -> dict[str, str]:
    """Each embedded font's name -> its ToUnicode map (which glyph stands for which characters)."""
    fonts = {}
    for page in PdfReader(BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"]).split("+")[-1]] = _cmap(font)
    return fonts


def _glyphs_for(cmap: str) -> set[str]:
    """The text each glyph stands for, e.g. {"क्ष", "ि", …}."""
    return {bytes.fromhex(code).decode("utf-16-be") for code in re.findall(r"<[0-9A-F]{4}> <([0-9A-F]+)>", cmap)}


@pytest.fixture
def parcel(app, world):
    order = ready_order(app, world)
    record = hand_over(app, world, part_of(order, world.sellers[0]))
    ship(app, world, record.shipment_id, deliver=False)
    return db.session.get(Parcel, db.session.query(Parcel.id).scalar())


def test_the_label_carries_the_hindi_address_as_text_shaped_with_a_devanagari_font(app, world, parcel):
    with app.test_request_context():
        pdf = documents.label_pdf(db.session.get(Parcel, parcel.id))
    text = _text(pdf)
    for value in (HINDI_ADDRESS["name"], HINDI_ADDRESS["line1"], HINDI_ADDRESS["landmark"],
                  HINDI_ADDRESS["district"], "दिल्ली", "110024", parcel.number, parcel.shipment.order.number):
        assert _squeezed(value) in text, value
    assert "Deliverto" in text and "Ifnotdelivered,returnto" in text
    assert _squeezed(world.houses[0].address_line) in text  # the return address
    fonts = _fonts(pdf)
    assert "NotoSansDevanagari" in fonts
    glyphs = _glyphs_for(fonts["NotoSansDevanagari"])
    # shaped: a conjunct is one glyph standing for three characters (क + ् + ष; स + ् + त + ् + र in parts)
    assert "क्ष" in glyphs
    assert any(len(g) > 1 and "्" in g for g in glyphs - {"क्ष"})


def test_the_shipped_font_shapes_conjuncts_and_moves_the_i_sign_before_its_consonant():
    import uharfbuzz as hb

    blob = hb.Blob.from_file_path(str(FONT_DIR / "NotoSansDevanagari-Regular.ttf"))
    font = hb.Font(hb.Face(blob))

    def shape(text: str) -> list[tuple[int, int]]:
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        hb.shape(font, buf, {})
        return [(info.codepoint, info.cluster) for info in buf.glyph_infos]

    assert len(shape("क्ष")) == 1  # क + virama + ष become one conjunct glyph
    assert len(shape("स्त्र")) < 5
    ka = font.get_nominal_glyph(ord("क"))
    glyphs = [g for g, _ in shape("कि")]
    assert len(glyphs) == 2 and glyphs[1] == ka and glyphs[0] != ka  # the i-matra is drawn first, before क


def test_the_fonts_and_their_licence_ship_with_the_project():
    names = {p.name for p in (PROJECT_ROOT / "static" / "fonts").iterdir()}
    assert {"NotoSansDevanagari-Regular.ttf", "NotoSans-Regular.ttf", "OFL.txt"} <= names
    assert "SIL Open Font License" in (PROJECT_ROOT / "static" / "fonts" / "OFL.txt").read_text()


def test_a_cash_label_says_what_to_collect(app, world, parcel):
    with app.test_request_context():
        text = _text(documents.label_pdf(db.session.get(Parcel, parcel.id)))
    assert "₹590" in text  # 2 × ₹250 + ₹90, free delivery


def test_the_packing_list_names_each_parcels_items(app, client, world, parcel):
    login(client, world.operators[0].mobile)
    r = client.get(f"/house/shipments/{parcel.shipment_id}/packing-list.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = _text(r.data)
    assert parcel.number in text
    for product in (world.products[0], world.products[2]):
        assert _squeezed(product.title_hi) in text and _squeezed(product.title_en) in text


def test_the_label_page_is_reachable_from_the_shipment_page(app, client, world, parcel):
    login(client, world.operators[0].mobile)
    html = client.get(f"/house/shipments/{parcel.shipment_id}?lang=en").get_data(as_text=True)
    assert f"/house/parcels/{parcel.id}/label.pdf" in html and "Courier: India Post" in html
    assert fulfilment.get_shipment(parcel.shipment_id).tracking_number in html
    customer = app.test_client()
    login(customer, CUSTOMER)
    assert customer.get(f"/house/parcels/{parcel.id}/label.pdf").status_code == 403

