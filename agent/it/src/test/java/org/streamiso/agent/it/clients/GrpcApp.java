package org.streamiso.agent.it.clients;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * gRPC-java over grpc-netty-shaded (its shaded Netty's NIO transport, its own DNS name resolver, which resolves
 * through {@code InetAddress}): one unary call of {@link EchoRpc#SAY} to the target given
 * ({@code dns:///HOST:PORT}), printing {@code OK REPLY}.
 */
public final class GrpcApp {
    private GrpcApp() {
    }

    public static void main(String[] args) {
        ClientApp.run(() -> {
            ManagedChannel channel = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
            try {
                byte[] reply = ClientCalls.blockingUnaryCall(channel, EchoRpc.SAY,
                        CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
                        "hello over gRPC".getBytes(StandardCharsets.UTF_8));
                return new String(reply, StandardCharsets.UTF_8) + " via " + channel.getClass().getSimpleName();
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        });
    }
}
