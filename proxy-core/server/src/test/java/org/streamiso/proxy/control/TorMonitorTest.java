package org.streamiso.proxy.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mockito.ArgumentCaptor;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;

/** The ControlPort seam mocked: authentication, subscriptions, bootstrap gate, event routing, reconnect. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TorMonitorTest {
    private static final byte[] COOKIE = new byte[32];
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final Log log = new Log(new PrintStream(logBytes, true, StandardCharsets.UTF_8), true);
    private final CircuitAudit audit = new CircuitAudit(log, new Safelog(false));
    private final TorControl control = mock(TorControl.class);

    private TorMonitor monitor(TorControl.Connector connector) {
        return new TorMonitor(connector, () -> COOKIE, "127.0.0.1:9051", audit, log, Duration.ofMillis(10));
    }

    @Test
    void authenticatesWithTheCookieSubscribesAndShowsBootstrapProgress() throws Exception {
        when(control.getInfo("status/bootstrap-phase"))
                .thenReturn("NOTICE BOOTSTRAP PROGRESS=45 TAG=loading_descriptors SUMMARY=\"Loading relay descriptors\"");
        TorMonitor monitor = monitor(() -> control);
        monitor.connect();

        ArgumentCaptor<byte[]> secret = ArgumentCaptor.forClass(byte[].class);
        verify(control).authenticate(secret.capture());
        assertArrayEquals(COOKIE, secret.getValue());
        verify(control).setEvents(TorMonitor.EVENTS);
        assertEquals(45, monitor.bootstrapProgress());
        assertEquals("Tor has not finished bootstrapping (45%)", monitor.refusal());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("Tor bootstrapped 45% (Loading relay descriptors)"));

        monitor.onEvent("STATUS_CLIENT", "NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"");
        assertNull(monitor.refusal());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("Tor bootstrapped 100% (Done); streams go through."));
    }

    @Test
    void routesStreamEventsFromTheListenerToTheAudit() throws Exception {
        when(control.getInfo(any())).thenReturn("NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"");
        TorMonitor monitor = monitor(() -> control);
        monitor.connect();
        ArgumentCaptor<TorControl.EventListener> listener = ArgumentCaptor.forClass(TorControl.EventListener.class);
        verify(control).setEventListener(listener.capture());

        InetSocketAddress socks = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9050);
        audit.upstreamOpened(socks, new InetSocketAddress(InetAddress.getLoopbackAddress(), 40001), "a");
        audit.upstreamOpened(socks, new InetSocketAddress(InetAddress.getLoopbackAddress(), 40002), "b");
        listener.getValue().onEvent("STREAM", "5 NEW 0 x:1 SOURCE_ADDR=127.0.0.1:40001");
        listener.getValue().onEvent("STREAM", "6 NEW 0 x:1 SOURCE_ADDR=127.0.0.1:40002");
        listener.getValue().onEvent("STREAM", "5 SENTCONNECT 3 x:1");
        listener.getValue().onEvent("STREAM", "6 SENTCONNECT 3 x:1");
        assertEquals(1, audit.violationCount());
    }

    @Test
    void aRefusedCookieStopsStartUpWithAFix() throws Exception {
        doThrow(new IOException("515 Authentication failed")).when(control).authenticate(any());
        TorMonitor monitor = monitor(() -> control);
        IOException e = assertThrows(IOException.class, monitor::connect);
        assertTrue(e.getMessage().startsWith("Tor's ControlPort 127.0.0.1:9051 refused authentication"
                + " (515 Authentication failed). Is --tor-cookie"), e.getMessage());
        verify(control).close();
    }

    @Test
    void anUnreachableControlPortSaysSo() {
        TorMonitor monitor = monitor(() -> {
            throw new IOException("Connection refused");
        });
        IOException e = assertThrows(IOException.class, monitor::connect);
        assertTrue(e.getMessage().contains("Is tor running with ControlPort 127.0.0.1:9051"), e.getMessage());
    }

    @Test
    void reconnectsWhenTheControlPortGoesAwayAndLetsStreamsThroughMeanwhile() throws Exception {
        CountDownLatch firstClosed = new CountDownLatch(1);
        TorControl second = mock(TorControl.class);
        CountDownLatch secondConnected = new CountDownLatch(1);
        when(control.getInfo(any())).thenReturn("NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"");
        when(second.getInfo(any())).thenAnswer(invocation -> {
            secondConnected.countDown();
            return "NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"";
        });
        org.mockito.Mockito.doAnswer(invocation -> {
            firstClosed.await();
            return null;
        }).when(control).awaitClosed();
        org.mockito.Mockito.doAnswer(invocation -> {
            new CountDownLatch(1).await(); // blocks until interrupted by close()
            return null;
        }).when(second).awaitClosed();
        TorControl[] sequence = {control, null, second};
        int[] next = {0};
        TorMonitor monitor = monitor(() -> {
            TorControl c = sequence[Math.min(next[0]++, sequence.length - 1)];
            if (c == null) {
                throw new IOException("Connection refused");
            }
            return c;
        });
        monitor.connect();
        monitor.startFollowing();
        firstClosed.countDown();
        assertTrue(secondConnected.await(10, TimeUnit.SECONDS), "did not reconnect");
        assertNull(monitor.refusal(), "streams go through while the audit is away and after it is back");
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("Lost Tor's ControlPort 127.0.0.1:9051;"
                + " relaying goes on"));
        monitor.close();
    }

    @Test
    void newnymSignalsTor() throws Exception {
        when(control.getInfo(any())).thenReturn("NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"");
        TorMonitor monitor = monitor(() -> control);
        monitor.connect();
        monitor.newnym();
        verify(control).signal("NEWNYM");
    }
}
