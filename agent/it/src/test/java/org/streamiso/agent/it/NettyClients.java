package org.streamiso.agent.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An unmodified Netty 4.1 application: fetches {@code http://HOST:PORT/PATH} and prints {@code OK <transport>
 * <status line>} or {@code EXC <exception>}.
 *
 * <p>Paths: {@code netty-nio} (NIO transport), {@code netty-best} (epoll when {@code Epoll.isAvailable()},
 * else NIO, as most Netty applications choose) and {@code netty-epoll} (epoll, whatever is available).
 */
public final class NettyClients {
    private NettyClients() {
    }

    public static void main(String[] args) {
        String path = args[0];
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        Clients.report(() -> {
            boolean epoll = path.equals("netty-epoll") || path.equals("netty-best") && Epoll.isAvailable();
            return (epoll ? "epoll " : "nio ") + fetch(epoll, path, host, port);
        });
    }

    private static String fetch(boolean epoll, String path, String host, int port) throws Exception {
        EventLoopGroup group = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        try {
            CompletableFuture<String> response = new CompletableFuture<>();
            StringBuilder received = new StringBuilder();
            Bootstrap b = new Bootstrap().group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                    received.append(msg.toString(StandardCharsets.UTF_8));
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    response.complete(received.toString());
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    response.completeExceptionally(cause);
                                }
                            });
                        }
                    });
            Channel ch = b.connect(host, port).sync().channel();
            ch.writeAndFlush(Unpooled.copiedBuffer("GET /" + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n",
                    StandardCharsets.US_ASCII));
            String r = response.get(30, TimeUnit.SECONDS);
            return r.substring(0, r.indexOf('\r'));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
