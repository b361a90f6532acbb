using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace EdgeProxy.Manager.Tests.EndToEnd;

/// <summary>
/// Headless Debian chromium driven by Debian's chromedriver (both from apt; Selenium Manager never downloads
/// anything because both paths are given). Every wait is bounded.
/// </summary>
internal static class Browser
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    public static bool IsInstalled => File.Exists(ChromiumPath) && File.Exists(DriverPath);

    public static ChromeDriver Start()
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1100", "--no-first-run", "--disable-extensions");
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(20);
        driver.Manage().Timeouts().ImplicitWait = TimeSpan.FromSeconds(2);
        return driver;
    }

    /// <summary>Saves a PNG of the page into <c>$EDGEPROXY_SCREENSHOTS</c> when it is set (docs/screenshots in the repo).</summary>
    public static void Screenshot(IWebDriver driver, string name)
    {
        var directory = Environment.GetEnvironmentVariable("EDGEPROXY_SCREENSHOTS");
        if (string.IsNullOrEmpty(directory))
        {
            return;
        }

        Directory.CreateDirectory(directory);
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(Path.Combine(directory, name + ".png"));
    }
}
