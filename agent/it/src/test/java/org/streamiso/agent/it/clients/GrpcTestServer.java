package org.streamiso.agent.it.clients;

import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A gRPC server (grpc-netty-shaded) on 127.0.0.1 and the port given, answering {@link EchoRpc#SAY} with
 * {@code echo: REQUEST}, until the JVM is ended.
 */
public final class GrpcTestServer {
    private GrpcTestServer() {
    }

    public static void main(String[] args) throws Exception {
        ServerServiceDefinition echo = ServerServiceDefinition.builder(EchoRpc.SERVICE)
                .addMethod(EchoRpc.SAY, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(("echo: " + new String(request, StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8));
                    response.onCompleted();
                }))
                .build();
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])))
                .addService(echo).build().start().awaitTermination();
    }
}
