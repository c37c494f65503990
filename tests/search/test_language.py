from consult.search.language import is_french


def test_french_is_told_from_english():
    assert is_french("Le consentement des peuples autochtones doit être obtenu avant le projet.")
    assert not is_french("The consent of Indigenous Peoples must be obtained before the project.")
    assert not is_french("9.4")
    assert not is_french("")
