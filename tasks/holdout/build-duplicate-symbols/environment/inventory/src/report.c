#include <stdio.h>
#include "report.h"

void format_price(long cents, char *buf, unsigned long n) {
    snprintf(buf, n, "%ld.%02ld", cents / 100, cents % 100);
}

void print_report(void) {
    char buf[32];
    printf("inventory %s\n", inventory_version);
    for (int i = 0; i < item_count; i++) {
        const struct item *it = get_item(i);
        format_price(it->price_cents, buf, sizeof buf);
        printf("%-10s %4d x %8s\n", it->name, it->quantity, buf);
    }
    format_price(stock_value(), buf, sizeof buf);
    printf("total value %s\n", buf);
}
