from api.domain.referral_sharing import SHARED_FIELDS, consent_purposes_for, data_categories_for, snapshot_of


def test_every_shared_field_falls_under_a_consent_category() -> None:
    assert data_categories_for(SHARED_FIELDS) == ["contact", "diagnosis", "identity", "needs_summary"]
    assert data_categories_for(["name", "kana", "date_of_birth"]) == ["identity"]
    assert data_categories_for([]) == []


def test_specific_purposes_need_their_consent_purpose_besides_referral() -> None:
    assert consent_purposes_for("group_home") == ["referral", "housing_search"]
    assert consent_purposes_for("housing_search") == ["referral", "housing_search"]
    assert consent_purposes_for("outpatient") == ["referral", "medical_care"]
    assert consent_purposes_for("trial_stay") == ["referral"]


def test_snapshot_holds_exactly_the_chosen_fields() -> None:
    values = {"name": "佐藤", "kana": "サトウ", "diagnosis_group": "schizophrenia", "notes": "never"}
    assert snapshot_of(["name"], values) == {"name": "佐藤"}
    assert snapshot_of(["name", "notes"], values) == {"name": "佐藤"}, "only shareable fields, whatever is asked"
