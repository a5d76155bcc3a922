package org.streamiso.agent.it.clients;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A plain Netty NIO client whose names are resolved by Netty's own DNS client ({@code DnsNameResolver}, through
 * {@code DnsAddressResolverGroup} on the {@code Bootstrap}, nameservers from /etc/resolv.conf as Netty reads them):
 * GET of the URL given over HTTP/1.0, printing {@code OK <status line> resolved=<address>}.
 */
public final class NettyDnsApp {
    private NettyDnsApp() {
    }

    public static void main(String[] args) {
        ClientApp.run(() -> {
            URI uri = URI.create(args[0]);
            EventLoopGroup group = new NioEventLoopGroup(1);
            try {
                DnsAddressResolverGroup resolvers = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                        .channelType(NioDatagramChannel.class)
                        .nameServerProvider(DnsServerAddressStreamProviders.platformDefault()));
                CompletableFuture<String> status = new CompletableFuture<>();
                Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class).resolver(resolvers)
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                    private final StringBuilder text = new StringBuilder();

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                        text.append(msg.toString(StandardCharsets.ISO_8859_1));
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        status.complete(text.toString().split("\r\n", 2)[0]);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        status.completeExceptionally(cause);
                                        ctx.close();
                                    }
                                });
                            }
                        });
                Channel ch = b.connect(uri.getHost(), uri.getPort()).syncUninterruptibly().channel();
                InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
                ch.writeAndFlush(Unpooled.copiedBuffer("GET " + uri.getPath() + " HTTP/1.0\r\nHost: " + uri.getHost()
                        + "\r\n\r\n", StandardCharsets.US_ASCII));
                return status.get(60, TimeUnit.SECONDS) + " resolved=" + remote.getAddress().getHostAddress();
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        });
    }
}
