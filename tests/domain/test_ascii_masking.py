"""A masked identifier is ASCII, whatever script it was written in: the API takes identifiers in ASCII
only, but free text (and values stored before that rule) may hold them in other digits."""

import pytest

from domain.pii import mask_nik, mask_passport, mask_phone, mask_text


@pytest.mark.parametrize(
    ("masked", "mask", "value"),
    [
        ("3374********0002", mask_nik, "３３７４０１５５０１９５０００２"),
        (
            "3374********0002",
            mask_nik,
            "\u0663\u0663\u0667\u0664\u0660\u0661\u0665\u0665\u0660\u0661\u0669\u0665\u0660\u0660\u0660\u0662",
        ),
        ("+628*******890", mask_phone, "+６２８１２３４５６７８９０"),
        ("C*****67", mask_passport, "Ｃ１２３４５６７"),
    ],
)
def test_a_masked_identifier_is_ascii_whatever_script_it_was_written_in(masked, mask, value):
    assert mask(value) == masked


def test_a_nik_in_full_width_digits_inside_free_text_is_masked_to_the_same_ascii_form():
    text = "NIK ３３７４０１５５０１９５０００２ and 3374015501950002"
    assert mask_text(text) == "NIK 3374********0002 and 3374********0002"
