import pytest

from app.clinical.scales import CADSS6_ITEMS, assessment_score, scale_label

ITEMS = dict.fromkeys(CADSS6_ITEMS, 1)


@pytest.mark.parametrize(
    ("scale", "items", "score", "expected"),
    [
        ("cadss6", ITEMS, None, 6),
        ("cadss6", ITEMS | {"unreal": 4, "observer": 4}, 12, 12),
        ("cadss6", ITEMS, 7, "the items add up to 6, not 7"),
        ("cadss6", ITEMS | {"unreal": 5}, None, "CADSS-6 item unreal must be 0 to 4"),
        ("cadss6", {"unreal": 2}, None, "CADSS-6 needs all six items: " + ", ".join(CADSS6_ITEMS)),
        ("moass", None, 5, 5),
        ("moass", None, 6, "MOASS sedation must be 0 to 5"),
        ("rass", None, -5, -5),
        ("rass", None, 5, "RASS sedation must be -5 to 4"),
        ("rass", ITEMS, 0, "RASS sedation is a single score, without items"),
    ],
)
def test_assessment_scores(scale, items, score, expected):
    assert assessment_score(scale, items=items, score=score) == expected


def test_labels_say_what_the_score_means():
    assert scale_label("moass", 2) == "MOASS 2: responds only after mild prodding or shaking"
    assert scale_label("rass", -3) == "RASS -3: moderate sedation"
    assert scale_label("rass", 1) == "RASS +1: restless"
    assert scale_label("cadss6", 9) == "CADSS-6 9/24"
