#!/usr/bin/env pwsh
<#
.SYNOPSIS
  EdgeProxy's one build entry point (run it with `dotnet pwsh ./build.ps1 <task>` after `dotnet tool restore`).

.DESCRIPTION
  build    Restore and build everything (Release).
  test     build, run every test project, publish the NativeAOT gateway (zero warnings required) and smoke it:
           README's run command on the sample config, one proxied request, the load-test smoke scenario,
           SIGTERM drain; then analytics end to end over real processes (a second AOT gateway shipping to
           edgeproxy-manager, docs/manager-analytics.md "Tests"). Ends with one line "N passed, N failed".
  publish  NativeAOT publish of the gateway for linux-x64 into out/edgeproxy/.
  bench    BenchmarkDotNet micro-benchmarks (bench/EdgeProxy.Benchmarks); -Filter narrows them.
  peers    Side-by-side run against nginx, HAProxy and YARP with ../shared/bench (needs the AOT binary).
#>
param(
    [ValidateSet('build', 'test', 'publish', 'bench', 'peers', 'smoke')]
    [string] $Task = 'build',
    [string] $Filter = '*',
    [switch] $Quick
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Artifacts = Join-Path $Root 'artifacts'
$PublishDir = Join-Path $Root 'out/edgeproxy'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native([string] $What, [scriptblock] $Command) {
    Write-Host "==> $What" -ForegroundColor Cyan
    & $Command | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE)" }
}

function Install-Packages([string[]] $Packages, [string] $Why) {
    if ($Packages.Count -eq 0) { return }
    $list = $Packages -join ' '
    if ((id -u) -eq '0') {
        Invoke-Native "install $list" { apt-get update -qq; apt-get install -y -qq @Packages }
    } elseif (Get-Command sudo -ErrorAction SilentlyContinue) {
        Invoke-Native "install $list (sudo)" { sudo apt-get update -qq; sudo apt-get install -y -qq @Packages }
    } else {
        throw "$Why needs $list`: run 'apt-get install -y $list' as root"
    }
}

function Assert-AotToolchain {
    # NativeAOT links with clang and needs zlib's headers; install them when we can, say how when we cannot.
    $missing = @()
    if (-not (Get-Command clang -ErrorAction SilentlyContinue)) { $missing += 'clang' }
    if (-not (Test-Path '/usr/include/zlib.h')) { $missing += 'zlib1g-dev' }
    Install-Packages $missing 'NativeAOT'
}

function Assert-TestServers {
    # Cluster-mode tests start their own redis-server processes on free loopback ports.
    if (-not (Get-Command redis-server -ErrorAction SilentlyContinue)) {
        Install-Packages @('redis-server') 'the cluster-mode tests'
        # The package may start a system instance on 6379; the tests never use it.
        if (Get-Command systemctl -ErrorAction SilentlyContinue) { systemctl stop redis-server 2>$null | Out-Null }
    }
    # The developer portal's end-to-end test drives headless chromium through its WebDriver.
    $browser = @()
    if (-not (Get-Command chromium -ErrorAction SilentlyContinue)) { $browser += 'chromium' }
    if (-not (Get-Command chromedriver -ErrorAction SilentlyContinue)) { $browser += 'chromium-driver' }
    Install-Packages $browser 'the portal browser test'
}

function Invoke-Build {
    Invoke-Native 'build' { dotnet build (Join-Path $Root 'EdgeProxy.sln') -c Release -nologo -clp:NoSummary }
}

function Invoke-Publish {
    Assert-AotToolchain
    $log = Join-Path $Artifacts 'publish.log'
    New-Item -ItemType Directory -Force $Artifacts | Out-Null
    Write-Host '==> publish NativeAOT (linux-x64)' -ForegroundColor Cyan
    dotnet publish (Join-Path $Root 'src/EdgeProxy/EdgeProxy.csproj') -c Release -r linux-x64 -o $PublishDir -nologo 2>&1 | Tee-Object -FilePath $log | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "publish failed (exit $LASTEXITCODE)" }
    $warnings = @(Select-String -Path $log -Pattern 'warning (IL|CS|AOT|NU)\d+' | ForEach-Object { $_.Line.Trim() } | Sort-Object -Unique)
    if ($warnings.Count -gt 0) {
        $warnings | ForEach-Object { Write-Host $_ -ForegroundColor Yellow }
        throw "NativeAOT publish produced $($warnings.Count) warning(s); the bar is zero"
    }
    $size = (Get-Item (Join-Path $PublishDir 'edgeproxy')).Length / 1MB
    Write-Host ("    out/edgeproxy/edgeproxy: {0:N1} MiB, 0 warnings" -f $size)
}

function Wait-Http([string] $Url, [int] $Seconds = 20) {
    $deadline = (Get-Date).AddSeconds($Seconds)
    while ((Get-Date) -lt $deadline) {
        try { return Invoke-WebRequest -Uri $Url -TimeoutSec 2 -SkipHttpErrorCheck } catch { Start-Sleep -Milliseconds 100 }
    }
    throw "$Url did not answer within $Seconds s"
}

$script:PortsHandedOut = [Collections.Generic.HashSet[int]]::new()
function Get-FreeLoopbackPort {
    # A port below Linux's ephemeral range (32768-60999), so no outgoing connection of another process can be
    # holding it as its local port between this check and the bind (that collision failed a CI run once); the
    # bind here proves no listener has it.
    for ($i = 0; $i -lt 200; $i++) {
        $port = Get-Random -Minimum 20000 -Maximum 32000
        if (-not $script:PortsHandedOut.Add($port)) { continue }  # never the same port twice in one run
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, $port)
        try { $listener.Start(); return $port } catch [Net.Sockets.SocketException] { } finally { $listener.Stop() }
    }
    throw 'no free loopback port found in 20000-31999'
}

# The analytics pipeline over real processes: the AOT gateway ships to edgeproxy-manager, traffic of a known mix
# comes from the load-test runner, and the manager's analytics API must count exactly what the runner sent and
# what the gateway's own /metrics counted; its p50/p99 must fall in the gateway's histogram bucket of the same rank.
function Invoke-AnalyticsSmoke([string] $Binary) {
    Write-Host '==> smoke: analytics end to end (AOT gateway -> edgeproxy-manager, load-test runner traffic)' -ForegroundColor Cyan
    $started = Get-Date
    $manager = Join-Path $Root 'src/EdgeProxy.Manager/bin/Release/net10.0/edgeproxy-manager.dll'
    $loadRunner = Join-Path $Root 'loadtests/EdgeProxy.LoadTests/EdgeProxy.LoadTests.csproj'
    if (-not (Test-Path $manager)) { throw "$manager is missing: build the solution (Release) first" }

    # Free loopback ports for everything, so this step never depends on 8080/9001/9901/9900 being free.
    $gatewayPort = Get-FreeLoopbackPort; $adminPort = Get-FreeLoopbackPort; $upstreamPort = Get-FreeLoopbackPort
    $managerPort = Get-FreeLoopbackPort; $closedPort = Get-FreeLoopbackPort
    $work = Join-Path ([IO.Path]::GetTempPath()) ("edgeproxy-analytics-smoke-" + [Guid]::NewGuid().ToString('N'))
    $config = Join-Path $work 'config'
    New-Item -ItemType Directory -Force $config, (Join-Path $work 'data') | Out-Null
    Copy-Item -Recurse -Path (Join-Path $Root 'config/*') -Destination $config
    $secret = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32)).ToLowerInvariant()
    $main = Join-Path $config 'edgeproxy.toml'
    $toml = (Get-Content $main -Raw).Replace('"127.0.0.1:8080"', "`"127.0.0.1:$gatewayPort`"").Replace('"127.0.0.1:9901"', "`"127.0.0.1:$adminPort`"").Replace('"http://127.0.0.1:9001"', "`"http://127.0.0.1:$upstreamPort`"")
    if ($toml -notmatch "127\.0\.0\.1:$gatewayPort" -or $toml -notmatch "127\.0\.0\.1:$adminPort" -or $toml -notmatch "127\.0\.0\.1:$upstreamPort") { throw 'config/edgeproxy.toml no longer names the ports this step rewrites' }
    # The access log would fill the gateway's log for nothing here.
    $toml = $toml.Replace('access_log = "stdout"', 'access_log = "off"')
    $toml += @"

[analytics]
endpoint = "http://127.0.0.1:$managerPort/api/ingest"
secret = "$secret"
flush_interval = "200ms"
spool_dir = "$(Join-Path $work 'spool')"
"@
    Set-Content -Path $main -Value $toml
    # A route to a port nobody listens on: the 5xx (upstream failure) part of the mix.
    Set-Content -Path (Join-Path $config 'routes/smoke-closed.toml') -Value @"
[[clusters]]
id = "smoke-closed"
endpoints = ["http://127.0.0.1:$closedPort"]

[[routes]]
id = "smoke-closed"
cluster = "smoke-closed"
path = "/closed"
"@
    & $Binary validate $config | Out-Host
    if ($LASTEXITCODE -ne 0) { throw 'edgeproxy validate on the analytics smoke config failed' }

    # Each iteration sends 5 x /hello (200), 2 x an unrouted path (404), /secure/hello without a key (401), with the
    # demo key (200, consumer "demo") and /closed (5xx). 20 iterations stay inside the demo plan's burst of 20, so
    # no 429 blurs the mix; the runner fails (error_rate) if any answer is not the expected one.
    $iterations = 20
    $steps = @()
    foreach ($i in 1..5) { $steps += "[[steps]]`nname = `"hello-$i`"`npath = `"/hello`"`nexpect_status = [200]`n" }
    foreach ($i in 1..2) { $steps += "[[steps]]`nname = `"no-route-$i`"`npath = `"/no-such-route/$i`"`nexpect_status = [404]`n" }
    $steps += "[[steps]]`nname = `"no-key`"`npath = `"/secure/hello`"`nexpect_status = [401]`n"
    $steps += "[[steps]]`nname = `"demo-key`"`npath = `"/secure/hello`"`nheaders = { `"X-Api-Key`" = `"epk_demo_sample_key_do_not_use_in_production`" }`nexpect_status = [200]`n"
    $steps += "[[steps]]`nname = `"closed`"`npath = `"/closed`"`nexpect_status = [`"5xx`"]`n"
    $scenario = Join-Path $work 'analytics-mix.toml'
    Set-Content -Path $scenario -Value (@"
[scenario]
name = "analytics-mix"
description = "A known mix of statuses, errors and one consumer for the analytics end-to-end smoke"
target = "http://127.0.0.1:$gatewayPort"
timeout = "5s"

"@ + ($steps -join "`n") + @"

[[phases]]
name = "mix"
model = "closed"
concurrency = 2
iterations = $iterations
duration = "60s"

[slo]
error_rate = "<= 0%"
"@)

    $managerLog = Join-Path $Artifacts 'smoke-analytics-manager.log'
    $gatewayLog = Join-Path $Artifacts 'smoke-analytics-gateway.log'
    $managerProcess = $null; $gatewayProcess = $null
    try {
        # The gateway first: it binds its ports within milliseconds of their choice (it spools analytics until the
        # manager is up).
        $gatewayProcess = Start-Process -FilePath $Binary -PassThru -RedirectStandardOutput $gatewayLog -RedirectStandardError "$gatewayLog.err" `
            -ArgumentList @('--config', $config, '--demo-upstream', "127.0.0.1:$upstreamPort")
        # Readiness through the admin port and the portal only: no request may reach the gateway's listener
        # before the runner's, or the counts below would be off.
        $deadline = (Get-Date).AddSeconds(30)
        while ($true) {
            if ($gatewayProcess.HasExited) { throw "the analytics smoke gateway exited with $($gatewayProcess.ExitCode): $(Get-Content "$gatewayLog.err" -Raw)" }
            try { if ((Invoke-WebRequest -Uri "http://127.0.0.1:$adminPort/readyz" -TimeoutSec 2 -SkipHttpErrorCheck).StatusCode -eq 200) { break } } catch { }
            if ((Get-Date) -gt $deadline) { throw "the analytics smoke gateway is not ready after 30 s: $(Get-Content "$gatewayLog.err" -Raw)" }
            Start-Sleep -Milliseconds 100
        }
        $managerProcess = Start-Process -FilePath 'dotnet' -PassThru -RedirectStandardOutput $managerLog -RedirectStandardError "$managerLog.err" -ArgumentList @(
            $manager, '--config', $config, '--data', (Join-Path $work 'data'), '--listen', "127.0.0.1:$managerPort",
            '--gateway', "http://127.0.0.1:$gatewayPort", '--gateway-admin', "http://127.0.0.1:$adminPort", '--analytics-secret', $secret)
        # The demo upstream, asked directly, counts nowhere.
        $null = Wait-Http "http://127.0.0.1:$upstreamPort/hello" 10
        $null = Wait-Http "http://127.0.0.1:$managerPort/catalog" 60
        if ($managerProcess.HasExited) { throw "the manager exited with $($managerProcess.ExitCode): $(Get-Content "$managerLog.err" -Raw)" }

        # The first admin, as a newcomer would: the one-time setup link from the manager's log, the Razor form
        # (with its antiforgery token), then the session cookie in $session for the analytics API.
        $token = $null
        $deadline = (Get-Date).AddSeconds(10)
        while (-not $token -and (Get-Date) -lt $deadline) {
            if ((Get-Content $managerLog -Raw) -match 'setup\?token=([A-Za-z0-9_-]+)') { $token = $Matches[1] } else { Start-Sleep -Milliseconds 100 }
        }
        if (-not $token) { throw "no setup token in $managerLog" }
        $base = "http://127.0.0.1:$managerPort"
        $form = Invoke-WebRequest "$base/setup?token=$token" -SessionVariable session -TimeoutSec 10
        if ($form.Content -notmatch 'name="__RequestVerificationToken" type="hidden" value="([^"]+)"') { throw 'the setup page has no antiforgery token' }
        $password = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(16))
        $null = Invoke-WebRequest "$base/setup" -Method Post -WebSession $session -TimeoutSec 10 -Body @{
            Token = $token; Name = 'Smoke admin'; Email = 'smoke-admin@example.com'; Password = $password; __RequestVerificationToken = $Matches[1] }
        $me = Invoke-RestMethod "$base/api/me" -WebSession $session -TimeoutSec 10
        if ("$($me.role)" -ne 'admin') { throw "setup did not sign in an admin: $($me | ConvertTo-Json -Compress)" }

        $reportDir = Join-Path $Artifacts 'loadtest-analytics-smoke'
        $from = [DateTimeOffset]::UtcNow.AddMinutes(-2).ToUnixTimeSeconds()
        Invoke-Native 'smoke: analytics mix from the load-test runner' {
            dotnet run -c Release --project $loadRunner -- run $scenario --report-dir $reportDir --quiet | Out-Host
        }
        $report = Get-Content (Join-Path $reportDir 'report.json') -Raw | ConvertFrom-Json -AsHashtable

        # What was sent, from the runner's report: per step and status.
        $sent = @{}
        foreach ($step in $report.steps) { $sent[$step.name] = $step.statuses }
        function Get-SentCount([string] $Prefix, [scriptblock] $Status) {
            $n = 0
            foreach ($name in $sent.Keys) { if ($name.StartsWith($Prefix)) { foreach ($s in $sent[$name].Keys) { if (& $Status ([int] $s)) { $n += $sent[$name][$s] } } } }
            return $n
        }
        $all = { param($s) $true }
        $expected = [ordered] @{
            requests = $report.overall.requests
            hello = Get-SentCount 'hello-' $all
            noRoute = Get-SentCount 'no-route-' $all
            noKey = Get-SentCount 'no-key' $all
            demoKey = Get-SentCount 'demo-key' $all
            closed = Get-SentCount 'closed' $all
            status2xx = Get-SentCount '' { param($s) $s -ge 200 -and $s -lt 300 }
            status4xx = Get-SentCount '' { param($s) $s -ge 400 -and $s -lt 500 }
            status5xx = Get-SentCount '' { param($s) $s -ge 500 }
        }
        $expected.errors = $expected.status4xx + $expected.status5xx
        if ($expected.hello -ne 5 * $iterations -or $expected.noRoute -ne 2 * $iterations -or $expected.closed -ne $iterations -or $expected.requests -ne 10 * $iterations) {
            throw "the runner did not send the planned mix: $($expected | ConvertTo-Json -Compress)"
        }

        # The manager: wait (bounded) until it has every record, then everything must match exactly.
        $query = "from=$from&to=$([DateTimeOffset]::UtcNow.AddMinutes(2).ToUnixTimeSeconds())"
        $deadline = (Get-Date).AddSeconds(20)
        do {
            $series = Invoke-RestMethod "$base/api/analytics/series?$query" -WebSession $session -TimeoutSec 10
            if ($series.total.requests -ge $expected.requests) { break }
            Start-Sleep -Milliseconds 200
        } while ((Get-Date) -lt $deadline)

        # The gateway's own count per route and status (/metrics) must be what the runner saw. Read once the
        # manager has every record: the gateway counts an exchange just before it hands the record to the shipper,
        # which may be a moment after the runner has its answer.
        $metrics = (Invoke-WebRequest "http://127.0.0.1:$adminPort/metrics" -TimeoutSec 10).Content
        $gatewayCounts = @{}
        foreach ($m in [regex]::Matches($metrics, '(?m)^edgeproxy_requests_total\{route="([^"]*)",status="(\d+)"\} (\d+)')) {
            $gatewayCounts["$($m.Groups[1].Value)/$($m.Groups[2].Value)"] = [long] $m.Groups[3].Value
        }
        $closed5xx = 0; foreach ($k in $gatewayCounts.Keys) { if ($k.StartsWith('smoke-closed/5')) { $closed5xx += $gatewayCounts[$k] } }
        $gatewayTotal = 0; foreach ($v in $gatewayCounts.Values) { $gatewayTotal += $v }
        foreach ($pair in @(@('demo-hello/200', $expected.hello), @('(none)/404', $expected.noRoute), @('demo-secure/401', $expected.noKey),
                @('demo-secure/200', $expected.demoKey), @('smoke-closed/5xx', $closed5xx, $expected.closed), @('all', $gatewayTotal, $expected.requests))) {
            $actual = if ($pair.Count -eq 3) { $pair[1] } else { $gatewayCounts[$pair[0]] }
            if ($actual -ne $pair[-1]) { throw "gateway /metrics counts $($pair[0]) = $actual, the runner sent $($pair[-1])" }
        }

        $routes = Invoke-RestMethod "$base/api/analytics/top/route?$query&limit=100" -WebSession $session -TimeoutSec 10
        $consumers = Invoke-RestMethod "$base/api/analytics/top/consumer?$query&limit=100" -WebSession $session -TimeoutSec 10
        $classes = Invoke-RestMethod "$base/api/analytics/top/status?$query&limit=100" -WebSession $session -TimeoutSec 10
        $errorGroups = Invoke-RestMethod "$base/api/analytics/errors?$query&limit=100" -WebSession $session -TimeoutSec 10
        function Get-RequestCount($Entries, [string] $Name) { $e = @($Entries | Where-Object { $_.name -eq $Name }); if ($e.Count -eq 1) { $e[0].requests } else { 0 } }
        function Get-ErrorCount([string] $Kind) { $n = 0; foreach ($g in @($errorGroups | Where-Object { $_.errorKind -eq $Kind })) { $n += $g.count }; $n }
        $fivexxKinds = 0; foreach ($g in @($errorGroups | Where-Object { $_.route -eq 'smoke-closed' })) { $fivexxKinds += $g.count }
        $counted = [ordered] @{
            requests = $series.total.requests
            hello = Get-RequestCount $routes 'demo-hello'
            noRoute = Get-ErrorCount 'no_route'
            noKey = Get-ErrorCount 'unauthorized'
            demoKey = Get-RequestCount $consumers 'demo'
            closed = Get-RequestCount $routes 'smoke-closed'
            status2xx = Get-RequestCount $classes '2xx'
            status4xx = Get-RequestCount $classes '4xx'
            status5xx = Get-RequestCount $classes '5xx'
            errors = $series.total.errors
        }
        $mismatch = @($expected.Keys | Where-Object { $counted[$_] -ne $expected[$_] })
        if ($mismatch.Count -gt 0 -or $fivexxKinds -ne $expected.status5xx -or (Get-RequestCount $routes 'demo-secure') -ne $expected.noKey + $expected.demoKey) {
            throw "manager analytics differ from what was sent after $([int]((Get-Date) - $started).TotalSeconds) s: sent $($expected | ConvertTo-Json -Compress), manager $($counted | ConvertTo-Json -Compress), 5xx error groups $fivexxKinds"
        }
        Write-Host ("    manager counted exactly what was sent: {0} requests, {1} errors; 2xx/4xx/5xx {2}/{3}/{4}; /hello {5}, no route {6}, no key {7}, consumer demo {8}, /closed {9}" -f `
            $counted.requests, $counted.errors, $counted.status2xx, $counted.status4xx, $counted.status5xx, $counted.hello, $counted.noRoute, $counted.noKey, $counted.demoKey, $counted.closed)
        $script:SmokePassed++

        # Percentiles: the gateway observes the same microseconds into its /metrics histogram; the bucket that holds
        # the sketch's rank (floor(q * (n - 1)), as LatencySketch ranks) bounds the exact value, and the manager's
        # quantile must lie in it within the sketch's relative error.
        $buckets = @(foreach ($m in [regex]::Matches($metrics, '(?m)^edgeproxy_request_duration_seconds_bucket\{route="demo-hello",le="([^"]+)"\} (\d+)')) {
            [pscustomobject] @{ Le = if ($m.Groups[1].Value -eq '+Inf') { [double]::PositiveInfinity } else { [double]::Parse($m.Groups[1].Value, [Globalization.CultureInfo]::InvariantCulture) }; Count = [long] $m.Groups[2].Value }
        }) | Sort-Object Le
        $hello = @($routes | Where-Object { $_.name -eq 'demo-hello' })[0]
        $n = $buckets[-1].Count
        if ($n -ne $expected.hello) { throw "gateway histogram holds $n /hello requests, the runner sent $($expected.hello)" }
        $relativeError = $series.relativeError
        foreach ($q in @(@(0.5, $hello.p50Us), @(0.99, $hello.p99Us))) {
            $rank = [Math]::Floor($q[0] * ($n - 1))
            $lower = 0.0
            foreach ($b in $buckets) { if ($b.Count -gt $rank) { $upper = $b.Le; break }; $lower = $b.Le }
            $lowUs = $lower * 1e6 * (1 - $relativeError); $highUs = $upper * 1e6 * (1 + $relativeError)
            if ($q[1] -lt $lowUs -or $q[1] -gt $highUs) { throw "manager p$($q[0] * 100) of /hello = $($q[1]) us, outside the gateway histogram's bucket ($($lower * 1e6), $($upper * 1e6)] us +-$($relativeError * 100)%" }
            Write-Host ("    /hello p{0}: manager {1:N0} us, gateway histogram bucket ({2:N0}, {3:N0}] us" -f ($q[0] * 100), $q[1], ($lower * 1e6), ($upper * 1e6))
        }
        $script:SmokePassed++

        kill -TERM $gatewayProcess.Id | Out-Host
        if (-not $gatewayProcess.WaitForExit(15000) -or $gatewayProcess.ExitCode -ne 0) { throw 'the analytics smoke gateway did not exit 0 within 15 s of SIGTERM' }
        Write-Host ("    analytics end to end: {0:N1} s" -f ((Get-Date) - $started).TotalSeconds)
    } finally {
        if ($gatewayProcess -and -not $gatewayProcess.HasExited) { $gatewayProcess.Kill($true) }
        if ($managerProcess -and -not $managerProcess.HasExited) { $managerProcess.Kill($true); $null = $managerProcess.WaitForExit(10000) }
        Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    }
}

# Counts passed checks in $script:SmokePassed; throws on the first failure. Native output goes to the host so
# it never mixes into a function's return value.
$script:SmokePassed = 0
function Invoke-Smoke {
    $binary = Join-Path $PublishDir 'edgeproxy'
    if (-not (Test-Path $binary)) { Invoke-Publish }
    Write-Host '==> smoke: AOT gateway on config/ with the demo upstream' -ForegroundColor Cyan
    & $binary validate (Join-Path $Root 'config') | Out-Host
    if ($LASTEXITCODE -ne 0) { throw 'edgeproxy validate config/ failed' }
    $script:SmokePassed++

    # A broken config: validate and start-up both refuse it, exit 1 and point at file:line:column.
    $bad = Join-Path ([IO.Path]::GetTempPath()) ("edgeproxy-bad-" + [Guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Force $bad | Out-Null
    Set-Content -Path (Join-Path $bad 'bad.toml') -Value "[[listeners]]`nname = `"x`"`nlisten = `"127.0.0.1:notaport`"`n"
    foreach ($invocation in @(@('validate', $bad), @('--config', $bad))) {
        $output = & $binary @invocation 2>&1 | Out-String
        if ($LASTEXITCODE -ne 1 -or $output -notmatch 'bad\.toml:3:10') { throw "edgeproxy $($invocation -join ' ') on a bad config: exit $LASTEXITCODE, output: $output" }
    }
    Remove-Item -Recurse -Force $bad
    Write-Host '    a bad config is refused by validate and at start-up, with file:line:column'
    $script:SmokePassed++

    # The README's run command binds fixed ports; someone else answering on them would fake a pass.
    foreach ($port in 8080, 9001, 9901) {
        $probe = [Net.Sockets.TcpClient]::new()
        try {
            if ($probe.ConnectAsync('127.0.0.1', $port).Wait(200)) { throw "port $port on 127.0.0.1 is already in use; stop what listens there and rerun" }
        } catch [AggregateException] { } finally { $probe.Dispose() }
    }

    # keys new: the key alone on stdout, the TOML entry with its SHA-256 on stderr; nothing else.
    $errFile = [IO.Path]::GetTempFileName()
    $key = (& $binary keys new --id smoke-1 2> $errFile | Out-String).Trim()
    $entry = Get-Content $errFile -Raw
    Remove-Item $errFile
    $sha = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($key))).ToLowerInvariant()
    if ($LASTEXITCODE -ne 0 -or $key -notmatch '^epk_[A-Za-z0-9_-]{43}$' -or $entry -notmatch "id = `"smoke-1`", key_sha256 = `"$sha`"") {
        throw "edgeproxy keys new: exit $LASTEXITCODE, key '$key', entry '$entry'"
    }
    Write-Host '    keys new: a 256-bit URL-safe key and its key_sha256 entry'
    $script:SmokePassed++

    New-Item -ItemType Directory -Force $Artifacts | Out-Null
    $logFile = Join-Path $Artifacts 'smoke-gateway.log'
    $process = Start-Process -FilePath $binary -ArgumentList @('--config', (Join-Path $Root 'config'), '--demo-upstream', '127.0.0.1:9001') `
        -RedirectStandardOutput $logFile -RedirectStandardError "$logFile.err" -PassThru
    try {
        $response = Wait-Http 'http://127.0.0.1:8080/hello'
        if ($process.HasExited) { throw "the gateway exited with $($process.ExitCode): $(Get-Content "$logFile.err" -Raw)" }
        if ($response.StatusCode -ne 200 -or $response.Content -notmatch 'demo upstream') { throw "unexpected response: $($response.StatusCode) $($response.Content)" }
        if (-not $response.Headers['X-Request-Id']) { throw 'no X-Request-Id on the proxied response' }
        Write-Host "    GET /hello through the AOT binary: $($response.StatusCode)"
        $script:SmokePassed++

        # One event thread per core in all: .NET's socket engine (client side) and the upstream pollers get half
        # the cores each (rounded up). The pollers start with the first upstream connection, which /hello opened.
        if ($IsLinux -and [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -eq 'X64') {
            $threads = Get-ChildItem "/proc/$($process.Id)/task" | ForEach-Object { (Get-Content (Join-Path $_.FullName 'comm') -Raw).Trim() }
            $half = [Math]::Max(1, [Math]::Floor(([Environment]::ProcessorCount + 1) / 2))
            $engines = @($threads | Where-Object { $_ -eq '.NET Sockets' }).Count
            $pollers = @($threads | Where-Object { $_ -like 'edgeproxy upstr*' }).Count
            if ($engines -ne $half -or $pollers -ne $half) { throw "event threads: $engines socket-engine and $pollers poller threads, expected $half each" }
            Write-Host "    event threads: $engines socket-engine + $pollers upstream poller on $([Environment]::ProcessorCount) cores"
            $script:SmokePassed++
        }

        $echo = Invoke-RestMethod 'http://127.0.0.1:8080/api/echo?x=1'
        if ($echo.path -ne '/echo' -or $echo.headers.'X-Gateway' -ne 'edgeproxy') { throw "rewrite/header policy not applied: $($echo | ConvertTo-Json -Compress)" }
        $script:SmokePassed++

        # The sample's keyed route: refused without a key, served with the demo key, rate-limit headers on both.
        $secure = Invoke-WebRequest 'http://127.0.0.1:8080/secure/hello' -SkipHttpErrorCheck
        if ($secure.StatusCode -ne 401 -or -not $secure.Headers['WWW-Authenticate']) { throw "keyed route without a key: $($secure.StatusCode)" }
        $secure = Invoke-WebRequest 'http://127.0.0.1:8080/secure/hello' -Headers @{ 'X-Api-Key' = 'epk_demo_sample_key_do_not_use_in_production' }
        if ($secure.StatusCode -ne 200 -or -not $secure.Headers['RateLimit-Policy']) { throw "keyed route with the demo key: $($secure.StatusCode)" }
        Write-Host '    /secure/hello: 401 without a key, 200 with the demo key and RateLimit headers'
        $script:SmokePassed++

        # The sample's orders API: v1 is deprecated (RFC 9745/8594 headers, successor link), v2 plain.
        $v1 = Invoke-WebRequest 'http://127.0.0.1:8080/v1/orders/42'
        if ($v1.StatusCode -ne 200 -or "$($v1.Headers['Deprecation'])" -ne '@1780272000' -or -not $v1.Headers['Sunset'] -or "$($v1.Headers['Link'])" -notmatch 'successor-version') {
            throw "deprecated /v1/orders: $($v1.StatusCode), Deprecation '$($v1.Headers['Deprecation'])', Link '$($v1.Headers['Link'])'"
        }
        $v2 = Invoke-WebRequest 'http://127.0.0.1:8080/v2/orders/42'
        if ($v2.StatusCode -ne 200 -or $v2.Headers['Deprecation']) { throw "published /v2/orders: $($v2.StatusCode)" }
        Write-Host '    /v1/orders: Deprecation, Sunset and successor Link; /v2/orders: none'
        $script:SmokePassed++

        $metrics = (Invoke-WebRequest 'http://127.0.0.1:9901/metrics').Content
        if ($metrics -notmatch 'edgeproxy_requests_total\{route="demo-hello",status="200"\}') { throw 'metrics missing the proxied request' }
        $script:SmokePassed++

        $loadRunner = Join-Path $Root 'loadtests/EdgeProxy.LoadTests/EdgeProxy.LoadTests.csproj'
        $scenario = Join-Path $Root 'loadtests/scenarios/smoke.toml'
        if ((Test-Path $loadRunner) -and (Test-Path $scenario)) {
            Invoke-Native 'smoke: load-test SLO scenario against the AOT gateway' {
                dotnet run -c Release --project $loadRunner -- run $scenario --target 'http://127.0.0.1:8080' --report-dir (Join-Path $Artifacts 'loadtest-smoke') | Out-Host
            }
            $script:SmokePassed++
        }

        Write-Host '==> smoke: SIGTERM drains and exits 0' -ForegroundColor Cyan
        kill -TERM $process.Id | Out-Host
        if (-not $process.WaitForExit(15000)) { throw 'gateway did not exit within 15 s of SIGTERM' }
        if ($process.ExitCode -ne 0) { throw "gateway exited $($process.ExitCode) after SIGTERM" }
        $script:SmokePassed++
    } finally {
        if (-not $process.HasExited) { $process.Kill($true) }
    }

    Invoke-AnalyticsSmoke $binary
}

function Get-TrxCounts([string] $Directory) {
    $passed = 0; $failed = 0
    foreach ($file in Get-ChildItem -Path $Directory -Filter *.trx -Recurse) {
        [xml] $trx = Get-Content -LiteralPath $file.FullName -Raw
        $counters = $trx.TestRun.ResultSummary.Counters
        $passed += [int] $counters.passed
        $failed += [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
    }
    return @($passed, $failed)
}

function Invoke-Test {
    Assert-TestServers
    Invoke-Build
    $results = Join-Path $Artifacts 'test-results'
    Remove-Item -Recurse -Force $results -ErrorAction SilentlyContinue
    Write-Host '==> test' -ForegroundColor Cyan
    dotnet test (Join-Path $Root 'EdgeProxy.sln') -c Release --no-build --nologo --results-directory $results `
        --logger 'trx' --logger 'console;verbosity=minimal' --blame-hang-timeout 5m
    $testExit = $LASTEXITCODE
    $counts = Get-TrxCounts $results
    $passed = $counts[0]; $failed = $counts[1]
    if ($passed -eq 0) { $failed++ }
    $smokeFailed = $false
    if ($testExit -eq 0) {
        try {
            Invoke-Publish
            Invoke-Smoke
            $passed += $script:SmokePassed
        } catch {
            Write-Host "smoke failed: $_" -ForegroundColor Red
            $failed++
            $smokeFailed = $true
        }
    }
    Write-Host ''
    Write-Host "$passed passed, $failed failed"
    if ($testExit -ne 0 -or $failed -gt 0 -or $smokeFailed) { exit 1 }
}

function Invoke-Bench {
    Invoke-Native 'benchmarks' { dotnet run -c Release --project (Join-Path $Root 'bench/EdgeProxy.Benchmarks') -- --filter $Filter }
}

function Invoke-Peers {
    if (-not (Test-Path (Join-Path $PublishDir 'edgeproxy'))) { Invoke-Publish }
    $shared = Join-Path $Root '../shared/bench/run.sh'
    if (-not (Test-Path $shared)) { throw "the side-by-side harness is expected at $shared" }
    $args = @('--target', "edgeproxy=$PublishDir/edgeproxy --no-watch --config $Root/bench/edgeproxy.toml", '--port', '18090',
        '--out', (Join-Path $Root 'bench/peers'), '--build-dir', '/tmp/edgeproxy-bench-build')
    if ($Quick) { $args += '--quick' }
    Invoke-Native 'side-by-side benchmark' { bash $shared @args }
}

switch ($Task) {
    'build' { Invoke-Build }
    'test' { Invoke-Test }
    'publish' { Invoke-Publish }
    'smoke' { Invoke-Smoke; Write-Host "$($script:SmokePassed) passed, 0 failed" }
    'bench' { Invoke-Bench }
    'peers' { Invoke-Peers }
}
