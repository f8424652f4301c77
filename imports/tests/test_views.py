"""Import pages: the list of imports and a preview answer in a fixed number of queries."""

import pytest
from django.urls import reverse

from imports.models import ImportBatch

pytestmark = pytest.mark.django_db


def _batches(n, *, body, by):
    ImportBatch.objects.bulk_create(
        [
            ImportBatch(
                kind="certificates",
                body=body,
                file_name=f"tep-{i}.csv",
                sha256="0" * 64,
                size=10,
                rows=[{"row": 3, "values": {}}],
                report=[
                    {
                        "row": 3,
                        "action": "refused",
                        "key": f"N{i}",
                        "errors": [{"column": "number", "message": "x"}],
                        "note": "",
                    }
                ]
                * 50,
                refused=50,
                created_by=by,
            )
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("count", [2, 30])
def test_the_import_list_makes_the_same_queries_whatever_the_number_of_imports(
    client, cb_staff, body, count, django_assert_max_num_queries
):
    _batches(count, body=body, by=cb_staff)
    client.force_login(cb_staff)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("imports:index"))
    assert response.status_code == 200
    assert response.text.count('href="/imports/batches/') == min(count, 25)


def test_the_preview_page_shows_refused_rows_first_and_paginates(
    client, cb_staff, body, django_assert_max_num_queries
):
    _batches(1, body=body, by=cb_staff)
    batch = ImportBatch.objects.get()
    batch_report = [
        {"row": n, "action": "created", "key": f"C{n}", "errors": [], "note": ""}
        for n in range(3, 200)
    ]
    batch_report.append(
        {
            "row": 250,
            "action": "refused",
            "key": "BAD",
            "errors": [{"column": "number", "message": "Sai số."}],
            "note": "",
        }
    )
    ImportBatch.objects.filter(pk=batch.pk).update(report=batch_report)
    client.force_login(cb_staff)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("imports:batch_detail", args=[batch.pk]))
    rows = page.text.split('data-row="')[1:]
    assert rows[0].startswith('250" data-action="refused"')
    assert "Số giấy chứng nhận" in page.text and "Sai số." in page.text
    assert len(rows) == 100
    only = client.get(reverse("imports:batch_detail", args=[batch.pk]), {"show": "refused"})
    assert only.text.count('data-row="') == 1
