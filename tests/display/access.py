from tests.access import Access

ACCESS = {
    "display.index": Access("/display/"),
}
