from rest_framework.pagination import PageNumberPagination


class CountPagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}`` with ``page`` and ``page_size`` parameters."""

    page_size_query_param = "page_size"
    max_page_size = 1000
