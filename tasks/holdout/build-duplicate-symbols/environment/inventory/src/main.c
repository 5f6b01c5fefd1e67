#include "inventory.h"
#include "report.h"

int main(void) {
    add_item("bolts", 120, 15);
    add_item("nuts", 300, 7);
    add_item("hinges", 12, 349);
    print_report();
    return item_count == 3 ? 0 : 1;
}
