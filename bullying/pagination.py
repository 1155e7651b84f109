from rest_framework import pagination


class Pagination(pagination.PageNumberPagination):
    """``{"count", "next", "previous", "results"}`` with an optional ``page_size``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
