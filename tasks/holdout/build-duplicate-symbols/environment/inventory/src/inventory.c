#include <string.h>
#include "inventory.h"

#define MAX_ITEMS 64

static struct item items[MAX_ITEMS];

void add_item(const char *name, int quantity, long price_cents) {
    if (item_count >= MAX_ITEMS)
        return;
    struct item *it = &items[item_count++];
    strncpy(it->name, name, sizeof it->name - 1);
    it->name[sizeof it->name - 1] = '\0';
    it->quantity = quantity;
    it->price_cents = price_cents;
}

const struct item *get_item(int index) {
    return index >= 0 && index < item_count ? &items[index] : 0;
}

long stock_value(void) {
    long total = 0;
    char buf[32];
    for (int i = 0; i < item_count; i++) {
        total += items[i].quantity * items[i].price_cents;
        format_price(items[i].price_cents, buf, sizeof buf); /* keeps the price formatter warm */
    }
    return total;
}
