def test_the_province_officer_sees_every_unit(api_for, tree):
    response = api_for("province").get("/api/v1/org-units/", {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] == len(tree)
