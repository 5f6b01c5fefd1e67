/* Inventory of items in stock. */

struct item {
    char name[32];
    int quantity;
    long price_cents;
};

int item_count = 0;
const char *inventory_version = "1.3";

void add_item(const char *name, int quantity, long price_cents);
const struct item *get_item(int index);
long stock_value(void);
