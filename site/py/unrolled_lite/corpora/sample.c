/* sample.c - a small C program for a character-level network to imitate.
 * Written for Unrolled: brackets nest, comments open and close, and
 * every statement ends in a semicolon, so there is structure to learn. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_SIZE 16
#define MAX_WORD 32

/* A fixed-size ring of integers; head points at the oldest entry. */
struct queue {
    int items[QUEUE_SIZE];
    int head;
    int count;
};

static void queue_init(struct queue *q)
{
    q->head = 0;
    q->count = 0;
}

static int queue_push(struct queue *q, int value)
{
    if (q->count == QUEUE_SIZE) {
        return -1; /* full: the caller decides what to drop */
    }
    q->items[(q->head + q->count) % QUEUE_SIZE] = value;
    q->count++;
    return 0;
}

static int queue_pop(struct queue *q, int *value)
{
    if (q->count == 0) {
        return -1;
    }
    *value = q->items[q->head];
    q->head = (q->head + 1) % QUEUE_SIZE;
    q->count--;
    return 0;
}

/* Sum of the digits of n, for any sign. */
static int digit_sum(int n)
{
    int total = 0;
    if (n < 0) {
        n = -n;
    }
    while (n > 0) {
        total += n % 10;
        n /= 10;
    }
    return total;
}

/* Insertion sort: shift larger values right until the gap fits. */
static void sort_ints(int *values, int len)
{
    int i, j, key;
    for (i = 1; i < len; i++) {
        key = values[i];
        j = i - 1;
        while (j >= 0 && values[j] > key) {
            values[j + 1] = values[j];
            j--;
        }
        values[j + 1] = key;
    }
}

/* Reverse a string in place and return it. */
static char *reverse(char *text)
{
    size_t left = 0;
    size_t right = strlen(text);
    while (right > left + 1) {
        char tmp = text[left];
        text[left] = text[right - 1];
        text[right - 1] = tmp;
        left++;
        right--;
    }
    return text;
}

/* Count words: a word starts wherever a letter follows a non-letter. */
static int count_words(const char *text)
{
    int words = 0;
    int inside = 0;
    for (; *text != '\0'; text++) {
        int letter = (*text >= 'a' && *text <= 'z') || (*text >= 'A' && *text <= 'Z');
        if (letter && !inside) {
            words++;
        }
        inside = letter;
    }
    return words;
}

/* A tiny string hash: multiply by 31 and add each byte. */
static unsigned long hash_word(const char *word)
{
    unsigned long h = 7;
    while (*word) {
        h = h * 31 + (unsigned char)*word++;
    }
    return h;
}

struct point {
    double x;
    double y;
};

/* Twice the signed area of a polygon, by the shoelace formula. */
static double twice_area(const struct point *pts, int n)
{
    double sum = 0.0;
    int i;
    for (i = 0; i < n; i++) {
        const struct point *a = &pts[i];
        const struct point *b = &pts[(i + 1) % n];
        sum += a->x * b->y - b->x * a->y;
    }
    return sum;
}

/* Greatest common divisor, Euclid's way. */
static int gcd(int a, int b)
{
    while (b != 0) {
        int r = a % b;
        a = b;
        b = r;
    }
    return a < 0 ? -a : a;
}

int main(void)
{
    struct queue q;
    struct point square[4] = {{0.0, 0.0}, {2.0, 0.0}, {2.0, 2.0}, {0.0, 2.0}};
    int values[8] = {42, 7, 19, 3, 88, 21, 5, 60};
    char word[MAX_WORD] = "recurrent";
    int i, v;

    queue_init(&q);
    for (i = 0; i < 8; i++) {
        if (queue_push(&q, values[i] * 2) != 0) {
            fprintf(stderr, "queue full at %d\n", i);
            return EXIT_FAILURE;
        }
    }
    while (queue_pop(&q, &v) == 0) {
        printf("%d has digit sum %d\n", v, digit_sum(v));
    }

    sort_ints(values, 8);
    for (i = 0; i < 8; i++) {
        printf("%s%d", i ? ", " : "", values[i]);
    }
    printf("\n");

    printf("gcd(84, 36) = %d\n", gcd(84, 36));
    printf("area = %.1f\n", twice_area(square, 4) / 2.0);
    printf("words = %d\n", count_words("loops, brackets and comments"));
    printf("hash = %lu\n", hash_word(word));
    printf("reversed = %s\n", reverse(word));
    return EXIT_SUCCESS;
}
