from bot.core.words import Words


def test_each_word_names_its_choice_whatever_its_case() -> None:
    words = Words({"cancel": ("cancel", "取消"), "change": ("Change", "更改")})
    assert words.read("CANCEL") == "cancel"
    assert words.read("取消") == "cancel"
    assert words.read("change") == "change"
    assert words.read("更改") == "change"


def test_a_word_it_does_not_know_is_none() -> None:
    assert Words({"cancel": ("cancel",)}).read("12") is None
    assert Words({"cancel": ("cancel",)}).read("") is None
