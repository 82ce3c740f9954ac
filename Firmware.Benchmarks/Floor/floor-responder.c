/*
 * The floor for Firmware.Benchmarks `footprint`: the least a device can do to answer a motor
 * command over the same link as the firmware (MQTT 3.1.1, mutual TLS, QoS 1, TCP_NODELAY), on
 * Debian's libmosquitto. It subscribes to its shadow's /update/delta and, for each delta that
 * carries MOTOR, publishes {"state":{"reported":{"MOTOR":"<value>"}}} to /update at once.
 * Nothing else: no relay, no state, no log beyond the one line that says it is subscribed.
 *
 *   floor-responder HOST PORT THING CA_FILE CERT_FILE KEY_FILE
 *
 * Built by the benchmark at run time: cc -O2 -o floor-responder floor-responder.c -lmosquitto
 */
#define _GNU_SOURCE /* memmem */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char delta_topic[256];
static char update_topic[256];

static void on_connect(struct mosquitto *mosq, void *context, int rc)
{
    (void)context;
    if (rc != 0) {
        fprintf(stderr, "CONNACK refused: %s\n", mosquitto_connack_string(rc));
        exit(1);
    }
    mosquitto_subscribe(mosq, NULL, delta_topic, 1);
}

static void on_subscribe(struct mosquitto *mosq, void *context, int mid, int count, const int *granted)
{
    (void)mosq;
    (void)context;
    (void)mid;
    if (count < 1 || granted[0] > 2) {
        fprintf(stderr, "subscription to %s refused\n", delta_topic);
        exit(1);
    }
    printf("subscribed to %s\n", delta_topic);
    fflush(stdout);
}

/* A lost connection is worth a line: the benchmark quotes the responder's output when it fails. */
static void on_disconnect(struct mosquitto *mosq, void *context, int rc)
{
    (void)mosq;
    (void)context;
    fprintf(stderr, "disconnected: %s\n", rc == 0 ? "on request" : mosquitto_strerror(rc));
}

/* The delta's "state" object comes before "metadata", which repeats the key without a string value. */
static void on_message(struct mosquitto *mosq, void *context, const struct mosquitto_message *message)
{
    (void)context;
    static const char key[] = "\"MOTOR\":\"";
    const char *payload = message->payload;
    const char *state = memmem(payload, (size_t)message->payloadlen, "\"state\":", 8);
    if (state == NULL) {
        return;
    }
    const char *end = payload + message->payloadlen;
    const char *value = memmem(state, (size_t)(end - state), key, sizeof key - 1);
    if (value == NULL) {
        return;
    }
    value += sizeof key - 1;
    const char *quote = memchr(value, '"', (size_t)(end - value));
    if (quote == NULL || quote - value > 16) {
        return;
    }
    char report[96];
    int length = snprintf(report, sizeof report, "{\"state\":{\"reported\":{\"MOTOR\":\"%.*s\"}}}", (int)(quote - value), value);
    mosquitto_publish(mosq, NULL, update_topic, length, report, 1, false);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT THING CA_FILE CERT_FILE KEY_FILE\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    const char *thing = argv[3];
    snprintf(delta_topic, sizeof delta_topic, "$aws/things/%s/shadow/update/delta", thing);
    snprintf(update_topic, sizeof update_topic, "$aws/things/%s/shadow/update", thing);

    mosquitto_lib_init();
    struct mosquitto *mosq = mosquitto_new(thing, true, NULL);
    if (mosq == NULL) {
        fprintf(stderr, "mosquitto_new failed\n");
        return 1;
    }
    mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_disconnect_callback_set(mosq, on_disconnect);
    mosquitto_message_callback_set(mosq, on_message);
    int rc = mosquitto_tls_set(mosq, argv[4], NULL, argv[5], argv[6], NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "TLS set-up failed: %s\n", mosquitto_strerror(rc));
        return 1;
    }
    /* The keep-alive the firmware uses against the rig (AWS's minimum). */
    rc = mosquitto_connect(mosq, host, port, 30);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "connect to %s:%d failed: %s\n", host, port, mosquitto_strerror(rc));
        return 1;
    }
    rc = mosquitto_loop_forever(mosq, -1, 1);
    fprintf(stderr, "loop ended: %s\n", mosquitto_strerror(rc));
    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    return rc == MOSQ_ERR_SUCCESS ? 0 : 1;
}
