using System.Text;
using EdgeProxy.Caching;

namespace EdgeProxy.Tests.Caching;

public sealed class HttpDateTests
{
    private static readonly long Expected = new DateTimeOffset(1994, 11, 6, 8, 49, 37, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 1994")]
    public void All_three_forms_parse(string text)
    {
        Assert.True(HttpDate.TryParse(Encoding.ASCII.GetBytes(text), out var ms));
        Assert.Equal(Expected, ms);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("yesterday")]
    [InlineData("Sun, 06 Nov 1994 25:49:37 GMT")]
    public void Invalid_dates_do_not_parse(string text)
    {
        Assert.False(HttpDate.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void Format_writes_imf_fixdate()
    {
        Span<byte> buffer = stackalloc byte[HttpDate.FormattedLength];
        var n = HttpDate.Format(Expected, buffer);
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", Encoding.ASCII.GetString(buffer[..n]));
    }
}
