from django.urls import reverse

from mops.reverse_many import url_for_each


def test_url_for_each_gives_what_reverse_gives():
    detail = url_for_each("operations:incident_detail")
    action = url_for_each("operations:triage_action", "assign-to-me")
    campaign = url_for_each("analytics:campaign_detail")
    for pk in (1, 42, 2147483647):
        assert detail(pk) == reverse("operations:incident_detail", args=[pk])
        assert action(pk) == reverse("operations:triage_action", args=[pk, "assign-to-me"])
    assert campaign("spring-sale_2") == reverse("analytics:campaign_detail", args=["spring-sale_2"])
