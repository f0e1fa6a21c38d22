<?xml version="1.0" encoding="UTF-8"?>
<!-- SPDX-License-Identifier: Apache-2.0 -->
<!--
  espi report: the report XML (urn:x-espi:report:1, docs/report-format.md) as one
  self-contained HTML page. XSLT 1.0 for libxslt, no extensions.

  Safety: every text from the file goes out through xsl:value-of or an attribute value
  template, escaped by the html output method. No disable-output-escaping, no script, no
  URL, no document(). File text never goes into <style>, an on* attribute or an href:
  the only href is "#u" followed by a position number.
  Speed: linear in the size of the XML (cells are found through a key, positions through
  position(), never through counts of preceding siblings).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:r="urn:x-espi:report:1"
    exclude-result-prefixes="r">

  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat"
              indent="no"/>

  <xsl:variable name="months" select="'JanFebMarAprMayJunJulAugSepOctNovDec'"/>

  <!-- Chart geometry, in SVG user units. -->
  <xsl:variable name="plot-w" select="800"/>
  <xsl:variable name="left" select="58"/>
  <xsl:variable name="right" select="14"/>
  <xsl:variable name="top" select="22"/>

  <!-- ================================================================ page -->

  <xsl:template match="/">
    <xsl:choose>
      <xsl:when test="r:report">
        <xsl:apply-templates select="r:report"/>
      </xsl:when>
      <xsl:otherwise>
        <html lang="en">
          <head><title>Not an espi report</title></head>
          <body><p>This document is not an espi report (namespace urn:x-espi:report:1).</p></body>
        </html>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="r:report">
    <html lang="en">
      <head>
        <!-- libxslt's html output writes the charset meta itself -->
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>
          <xsl:text>Energy report</xsl:text>
          <xsl:if test="r:source/@title or r:source/@name">
            <xsl:text> — </xsl:text>
            <xsl:call-template name="source-label"/>
          </xsl:if>
        </title>
        <xsl:call-template name="css"/>
      </head>
      <body>
        <header class="page-header">
          <h1>Energy report</h1>
          <p class="source">
            <xsl:if test="r:source/@title">
              <span class="source-title"><xsl:value-of select="r:source/@title"/></span>
            </xsl:if>
            <xsl:if test="r:source/@name">
              <xsl:if test="r:source/@title"><xsl:text> · </xsl:text></xsl:if>
              <span class="source-name"><xsl:value-of select="r:source/@name"/></span>
            </xsl:if>
          </p>
          <xsl:if test="count(r:usagePoint) &gt; 1">
            <nav class="toc" aria-label="Usage points">
              <ul>
                <xsl:for-each select="r:usagePoint">
                  <li>
                    <a href="#u{position()}"><xsl:call-template name="up-label"><xsl:with-param name="n" select="position()"/></xsl:call-template></a>
                    <xsl:if test="@commodityName and normalize-space(@title)">
                      <span class="muted"><xsl:text> · </xsl:text><xsl:value-of select="@commodityName"/></span>
                    </xsl:if>
                  </li>
                </xsl:for-each>
              </ul>
            </nav>
          </xsl:if>
        </header>
        <main>
          <xsl:for-each select="r:usagePoint">
            <xsl:call-template name="usage-point">
              <xsl:with-param name="n" select="position()"/>
            </xsl:call-template>
          </xsl:for-each>
          <xsl:if test="not(r:usagePoint)">
            <p class="note">The file has no usage point with readings or bills.</p>
          </xsl:if>
          <xsl:apply-templates select="r:validation"/>
        </main>
        <footer class="page-footer">
          <p>
            <xsl:text>Made by </xsl:text>
            <xsl:choose>
              <xsl:when test="@generator"><xsl:value-of select="@generator"/></xsl:when>
              <xsl:otherwise>espi</xsl:otherwise>
            </xsl:choose>
            <xsl:text> from report format version </xsl:text>
            <xsl:value-of select="@version"/>
            <xsl:text>. Days and hours are local time of each usage point; values as in the file.</xsl:text>
          </p>
        </footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="source-label">
    <xsl:choose>
      <xsl:when test="r:source/@title"><xsl:value-of select="r:source/@title"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="r:source/@name"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="up-label">
    <xsl:param name="n"/>
    <xsl:choose>
      <xsl:when test="normalize-space(@title)"><xsl:value-of select="@title"/></xsl:when>
      <xsl:when test="@commodityName">
        <xsl:call-template name="capitalize">
          <xsl:with-param name="s" select="@commodityName"/>
        </xsl:call-template>
        <xsl:value-of select="concat(' (usage point ', $n, ')')"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="concat('Usage point ', $n)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ========================================================= usage point -->

  <xsl:template name="usage-point">
    <xsl:param name="n"/>
    <xsl:variable name="id" select="concat('u', $n)"/>
    <xsl:variable name="unit" select="@unit"/>
    <section class="usage-point" id="{$id}" data-usage-point="{@id}">
      <header class="up-header">
        <h2><xsl:call-template name="up-label"><xsl:with-param name="n" select="$n"/></xsl:call-template></h2>
        <p class="up-meta">
          <xsl:if test="@commodityName">
            <span class="pill">
              <xsl:call-template name="capitalize">
                <xsl:with-param name="s" select="@commodityName"/>
              </xsl:call-template>
            </span>
          </xsl:if>
          <xsl:if test="@netMetered = 'true'">
            <span class="pill pill-net">Net metered</span>
          </xsl:if>
          <xsl:if test="@unit"><span class="meta-item">Unit <strong><xsl:value-of select="@unit"/></strong></span></xsl:if>
          <xsl:if test="@zone"><span class="meta-item">Time zone <strong><xsl:value-of select="@zone"/></strong></span></xsl:if>
          <xsl:if test="@id"><span class="meta-item up-id"><xsl:value-of select="@id"/></span></xsl:if>
        </p>
      </header>

      <xsl:call-template name="headline"/>

      <xsl:variable name="has-days" select="boolean(r:days/r:day)"/>
      <xsl:variable name="has-months" select="boolean(r:months/r:month)"/>
      <xsl:variable name="has-bills" select="boolean(r:bills/r:bill)"/>
      <xsl:variable name="has-cells" select="boolean(r:loadShape[@image])"/>
      <xsl:variable name="has-tou" select="boolean(r:timeOfUse/r:tou)"/>

      <xsl:choose>
        <xsl:when test="not($has-days or $has-months or $has-cells)">
          <p class="note">
            <xsl:choose>
              <xsl:when test="$has-bills">This usage point has bills but no interval readings, so only the bills are drawn.</xsl:when>
              <xsl:otherwise>This usage point has neither readings nor bills.</xsl:otherwise>
            </xsl:choose>
          </p>
        </xsl:when>
        <xsl:when test="not($has-days and $has-months and $has-bills and $has-cells and $has-tou)">
          <p class="note">
            <xsl:text>Not shown, as the file has no data for them: </xsl:text>
            <xsl:if test="not($has-days)"><span class="absent">daily use</span></xsl:if>
            <xsl:if test="not($has-months)"><span class="absent">monthly use</span></xsl:if>
            <xsl:if test="not($has-bills)"><span class="absent">bills</span></xsl:if>
            <xsl:if test="not($has-cells)"><span class="absent">use by hour of day</span></xsl:if>
            <xsl:if test="not($has-tou)"><span class="absent">time-of-use split</span></xsl:if>
            <xsl:text>.</xsl:text>
          </p>
        </xsl:when>
      </xsl:choose>

      <xsl:if test="$has-days">
        <xsl:apply-templates select="r:days">
          <xsl:with-param name="id" select="concat($id, '-days')"/>
        </xsl:apply-templates>
      </xsl:if>
      <xsl:if test="$has-months">
        <xsl:apply-templates select="r:months">
          <xsl:with-param name="id" select="concat($id, '-months')"/>
        </xsl:apply-templates>
      </xsl:if>
      <xsl:if test="$has-bills">
        <xsl:apply-templates select="r:bills">
          <xsl:with-param name="id" select="concat($id, '-bills')"/>
        </xsl:apply-templates>
      </xsl:if>
      <xsl:if test="$has-cells">
        <xsl:apply-templates select="r:loadShape">
          <xsl:with-param name="id" select="concat($id, '-load')"/>
        </xsl:apply-templates>
      </xsl:if>
      <xsl:if test="$has-tou">
        <xsl:apply-templates select="r:timeOfUse">
          <xsl:with-param name="id" select="concat($id, '-tou')"/>
        </xsl:apply-templates>
      </xsl:if>
      <xsl:apply-templates select="r:quality[@readings &gt; 0 or @missing &gt; 0 or r:gap]"/>
      <xsl:if test="r:channel">
        <details class="channels">
          <summary>Meter readings in this usage point</summary>
          <table>
            <thead>
              <tr><th>Drawn as</th><th>Title</th><th class="num">Kind</th><th class="num">Flow direction</th>
                <th class="num">Interval (s)</th><th>Unit</th><th class="num">Readings</th><th>Note</th><th>Meter reading</th></tr>
            </thead>
            <tbody>
              <xsl:for-each select="r:channel">
                <tr>
                  <td><xsl:value-of select="@role"/></td>
                  <td><xsl:value-of select="@title"/></td>
                  <td class="num"><xsl:value-of select="@kind"/></td>
                  <td class="num"><xsl:value-of select="@flowDirection"/></td>
                  <td class="num"><xsl:value-of select="@intervalLength"/></td>
                  <td><xsl:value-of select="@unit"/></td>
                  <td class="num"><xsl:value-of select="@readings"/></td>
                  <td><xsl:value-of select="@note"/></td>
                  <td class="id"><xsl:value-of select="@meterReading"/></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
        </details>
      </xsl:if>
    </section>
  </xsl:template>

  <!-- ============================================================ headline -->

  <xsl:template name="headline">
    <xsl:variable name="h" select="r:headline"/>
    <xsl:variable name="unit" select="@unit"/>
    <xsl:variable name="cur">
      <xsl:choose>
        <xsl:when test="@currency"><xsl:value-of select="@currency"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="r:bills/@currency"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="net" select="@netMetered = 'true'"/>
    <xsl:choose>
        <xsl:when test="$h/@firstDay">
          <p class="period-covered">
            <span class="label">Period covered</span>
            <span class="period" data-first-day="{$h/@firstDay}" data-last-day="{$h/@lastDay}">
              <xsl:call-template name="date-long"><xsl:with-param name="d" select="$h/@firstDay"/></xsl:call-template>
              <xsl:text> – </xsl:text>
              <xsl:call-template name="date-long"><xsl:with-param name="d" select="$h/@lastDay"/></xsl:call-template>
            </span>
            <xsl:if test="$h/@days">
              <span class="sub">
                <xsl:variable name="with" select="count(r:days/r:day[@readings &gt; 0])"/>
                <xsl:value-of select="$h/@days"/>
                <xsl:choose><xsl:when test="$h/@days = 1"> day</xsl:when><xsl:otherwise> days</xsl:otherwise></xsl:choose>
                <xsl:if test="r:days/r:day and $with != $h/@days">
                  <xsl:text>, </xsl:text><xsl:value-of select="$with"/><xsl:text> with readings</xsl:text>
                </xsl:if>
              </span>
            </xsl:if>
          </p>
        </xsl:when>
        <xsl:when test="r:bills/r:bill">
          <p class="period-covered">
            <span class="label">Billing periods</span>
            <span class="period">
              <xsl:call-template name="date-long"><xsl:with-param name="d" select="r:bills/r:bill[1]/@startDate"/></xsl:call-template>
              <xsl:text> – </xsl:text>
              <xsl:call-template name="date-long"><xsl:with-param name="d" select="r:bills/r:bill[last()]/@endDate"/></xsl:call-template>
            </span>
            <span class="sub">
              <xsl:value-of select="count(r:bills/r:bill)"/>
              <xsl:choose><xsl:when test="count(r:bills/r:bill) = 1"> bill</xsl:when><xsl:otherwise> bills</xsl:otherwise></xsl:choose>
            </span>
          </p>
        </xsl:when>
    </xsl:choose>
    <div class="headline">
      <xsl:if test="$h/@delivered">
        <div class="figure figure-delivered">
          <div class="label">
            <xsl:choose>
              <xsl:when test="$net">From the grid</xsl:when>
              <xsl:otherwise>Total use</xsl:otherwise>
            </xsl:choose>
          </div>
          <div class="value">
            <span class="headline-total" data-value="{$h/@delivered}"><xsl:value-of select="$h/@delivered"/></span>
            <xsl:text> </xsl:text><span class="unit"><xsl:value-of select="$unit"/></span>
          </div>
          <xsl:if test="$h/@averagePerDay">
            <div class="sub">
              <span class="headline-average" data-value="{$h/@averagePerDay}"><xsl:value-of select="$h/@averagePerDay"/></span>
              <xsl:text> </xsl:text><xsl:value-of select="$unit"/><xsl:text> a day on average</xsl:text>
            </div>
          </xsl:if>
        </div>
      </xsl:if>
      <xsl:if test="$h/@received">
        <div class="figure figure-received">
          <div class="label">To the grid</div>
          <div class="value">
            <span class="headline-received" data-value="{$h/@received}"><xsl:value-of select="$h/@received"/></span>
            <xsl:text> </xsl:text><span class="unit"><xsl:value-of select="$unit"/></span>
          </div>
          <div class="sub">received from this point</div>
        </div>
      </xsl:if>
      <xsl:if test="$h/@net">
        <div class="figure figure-net">
          <div class="label">Net use</div>
          <div class="value">
            <span class="headline-net" data-value="{$h/@net}"><xsl:value-of select="$h/@net"/></span>
            <xsl:text> </xsl:text><span class="unit"><xsl:value-of select="$unit"/></span>
          </div>
          <div class="sub">from the grid less to the grid</div>
        </div>
      </xsl:if>
      <xsl:choose>
        <xsl:when test="$h/@cost">
          <div class="figure figure-cost">
            <div class="label">Cost</div>
            <div class="value">
              <span class="headline-cost" data-value="{$h/@cost}">
                <xsl:call-template name="money">
                  <xsl:with-param name="v" select="$h/@cost"/>
                  <xsl:with-param name="cur" select="$cur"/>
                </xsl:call-template>
              </span>
            </div>
            <div class="sub">of the readings' costs</div>
          </div>
        </xsl:when>
        <xsl:when test="r:bills/r:bill/@cost">
          <div class="figure figure-cost">
            <div class="label">Billed</div>
            <div class="value">
              <span class="headline-billed" data-value="{format-number(sum(r:bills/r:bill/@cost), '0.#####')}">
                <xsl:call-template name="money">
                  <xsl:with-param name="v" select="sum(r:bills/r:bill/@cost)"/>
                  <xsl:with-param name="cur" select="$cur"/>
                </xsl:call-template>
              </span>
            </div>
            <div class="sub">
              <xsl:text>in </xsl:text><xsl:value-of select="count(r:bills/r:bill[@cost])"/><xsl:text> bills</xsl:text>
            </div>
          </div>
        </xsl:when>
      </xsl:choose>
      <xsl:if test="not($h/@delivered) and r:bills/r:bill/@consumption">
        <xsl:variable name="cu" select="r:bills/r:bill[@consumptionUnit][1]/@consumptionUnit"/>
        <div class="figure figure-delivered">
          <div class="label">Billed use</div>
          <div class="value">
            <xsl:value-of select="format-number(sum(r:bills/r:bill/@consumption), '#,##0.###')"/>
            <xsl:text> </xsl:text><span class="unit"><xsl:value-of select="$cu"/></span>
          </div>
          <div class="sub">
            <xsl:text>in </xsl:text><xsl:value-of select="count(r:bills/r:bill[@consumption])"/><xsl:text> bills that state it</xsl:text>
          </div>
        </div>
      </xsl:if>
      <xsl:if test="$h/@peakDemand">
        <div class="figure figure-peak">
          <div class="label">Peak demand</div>
          <div class="value">
            <span class="headline-peak" data-value="{$h/@peakDemand}"><xsl:value-of select="$h/@peakDemand"/></span>
            <xsl:text> </xsl:text><span class="unit"><xsl:value-of select="$h/@peakDemandUnit"/></span>
          </div>
          <div class="sub">
            <xsl:if test="$h/@peakStartLocal">
              <xsl:call-template name="local-time-long"><xsl:with-param name="t" select="$h/@peakStartLocal"/></xsl:call-template>
            </xsl:if>
            <xsl:if test="$h/@minDemand">
              <br/>
              <xsl:text>lowest </xsl:text><xsl:value-of select="$h/@minDemand"/>
              <xsl:text> </xsl:text><xsl:value-of select="$h/@peakDemandUnit"/>
            </xsl:if>
          </div>
        </div>
      </xsl:if>
    </div>
  </xsl:template>

  <!-- ============================================================ bar charts -->

  <xsl:template match="r:days">
    <xsl:param name="id"/>
    <xsl:variable name="unit" select="../@unit"/>
    <xsl:variable name="has-r" select="boolean(r:day/@received)"/>
    <section class="chart-block">
      <h3>Daily use</h3>
      <xsl:call-template name="bar-chart">
        <xsl:with-param name="id" select="$id"/>
        <xsl:with-param name="items" select="r:day"/>
        <xsl:with-param name="kind" select="'day'"/>
        <xsl:with-param name="unit" select="$unit"/>
        <xsl:with-param name="max">
          <xsl:call-template name="scale-max"><xsl:with-param name="given" select="@max"/><xsl:with-param name="values" select="r:day/@delivered"/></xsl:call-template>
        </xsl:with-param>
        <xsl:with-param name="max-r">
          <xsl:choose>
            <xsl:when test="$has-r">
              <xsl:call-template name="scale-max"><xsl:with-param name="given" select="@maxReceived"/><xsl:with-param name="values" select="r:day/@received"/></xsl:call-template>
            </xsl:when>
            <xsl:otherwise>0</xsl:otherwise>
          </xsl:choose>
        </xsl:with-param>
        <xsl:with-param name="has-r" select="$has-r"/>
        <xsl:with-param name="title">
          <xsl:text>Daily use in </xsl:text><xsl:value-of select="$unit"/>
          <xsl:text>, </xsl:text><xsl:value-of select="r:day[1]/@date"/>
          <xsl:text> to </xsl:text><xsl:value-of select="r:day[last()]/@date"/>
          <xsl:if test="$has-r">: from the grid above the axis, to the grid below</xsl:if>
        </xsl:with-param>
      </xsl:call-template>
    </section>
  </xsl:template>

  <xsl:template match="r:months">
    <xsl:param name="id"/>
    <xsl:variable name="unit" select="../@unit"/>
    <xsl:variable name="has-r" select="boolean(r:month/@received)"/>
    <section class="chart-block">
      <h3>Monthly use</h3>
      <xsl:call-template name="bar-chart">
        <xsl:with-param name="id" select="$id"/>
        <xsl:with-param name="items" select="r:month"/>
        <xsl:with-param name="kind" select="'month'"/>
        <xsl:with-param name="unit" select="$unit"/>
        <xsl:with-param name="max">
          <xsl:call-template name="scale-max"><xsl:with-param name="given" select="@max"/><xsl:with-param name="values" select="r:month/@delivered"/></xsl:call-template>
        </xsl:with-param>
        <xsl:with-param name="max-r">
          <xsl:choose>
            <xsl:when test="$has-r">
              <xsl:call-template name="scale-max"><xsl:with-param name="given" select="@maxReceived"/><xsl:with-param name="values" select="r:month/@received"/></xsl:call-template>
            </xsl:when>
            <xsl:otherwise>0</xsl:otherwise>
          </xsl:choose>
        </xsl:with-param>
        <xsl:with-param name="has-r" select="$has-r"/>
        <xsl:with-param name="title">
          <xsl:text>Monthly use in </xsl:text><xsl:value-of select="$unit"/>
          <xsl:if test="$has-r">: from the grid above the axis, to the grid below</xsl:if>
        </xsl:with-param>
      </xsl:call-template>
    </section>
  </xsl:template>

  <xsl:template match="r:bills">
    <xsl:param name="id"/>
    <xsl:variable name="cur">
      <xsl:choose>
        <xsl:when test="@currency"><xsl:value-of select="@currency"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="../@currency"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <section class="chart-block">
      <h3>Bills</h3>
      <xsl:choose>
        <xsl:when test="r:bill/@cost">
          <xsl:call-template name="bar-chart">
            <xsl:with-param name="id" select="$id"/>
            <xsl:with-param name="items" select="r:bill"/>
            <xsl:with-param name="kind" select="'bill'"/>
            <xsl:with-param name="unit" select="$cur"/>
            <xsl:with-param name="max">
              <xsl:call-template name="scale-max"><xsl:with-param name="given" select="@max"/><xsl:with-param name="values" select="r:bill/@cost"/></xsl:call-template>
            </xsl:with-param>
            <xsl:with-param name="max-r" select="0"/>
            <xsl:with-param name="has-r" select="false()"/>
            <xsl:with-param name="title">
              <xsl:text>Cost per billing period in </xsl:text><xsl:value-of select="$cur"/>
            </xsl:with-param>
          </xsl:call-template>
        </xsl:when>
        <xsl:otherwise>
          <p class="note">The bills state no cost; their periods are listed below.</p>
          <xsl:call-template name="bill-table"><xsl:with-param name="cur" select="$cur"/></xsl:call-template>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- The largest of the values, taken from the given attribute when it is a positive number
       (the writer computes it), else found by sorting. NaN never comes out: 0 then. -->
  <xsl:template name="scale-max">
    <xsl:param name="given"/>
    <xsl:param name="values"/>
    <xsl:choose>
      <xsl:when test="number($given) &gt; 0"><xsl:value-of select="number($given)"/></xsl:when>
      <xsl:otherwise>
        <xsl:variable name="m">
          <xsl:for-each select="$values[number(.) = number(.)]">
            <xsl:sort select="number(.)" data-type="number" order="descending"/>
            <xsl:if test="position() = 1"><xsl:value-of select="number(.)"/></xsl:if>
          </xsl:for-each>
        </xsl:variable>
        <xsl:choose>
          <xsl:when test="number($m) &gt; 0"><xsl:value-of select="number($m)"/></xsl:when>
          <xsl:otherwise>0</xsl:otherwise>
        </xsl:choose>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A bar chart of days, months or bills: delivered (or cost) above the axis, received
       below it on the same scale. Width 800 units whatever the count (one unit a bar at
       least: wider when there are more than 800 bars). -->
  <xsl:template name="bar-chart">
    <xsl:param name="id"/>
    <xsl:param name="items"/>
    <xsl:param name="kind"/>
    <xsl:param name="unit"/>
    <xsl:param name="max"/>
    <xsl:param name="max-r"/>
    <xsl:param name="has-r"/>
    <xsl:param name="title"/>
    <xsl:variable name="n" select="count($items)"/>
    <xsl:variable name="pw">
      <xsl:choose>
        <xsl:when test="$n &gt; $plot-w"><xsl:value-of select="$n"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$plot-w"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="slot" select="$pw div $n"/>
    <xsl:variable name="bw">
      <xsl:choose>
        <xsl:when test="$slot &lt; 3"><xsl:value-of select="$slot"/></xsl:when>
        <xsl:when test="$slot * 0.8 &gt; 56"><xsl:value-of select="56"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$slot * 0.8"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="ph">
      <xsl:choose>
        <xsl:when test="$kind != 'day' and $has-r">200</xsl:when>
        <xsl:when test="$kind != 'day'">160</xsl:when>
        <xsl:when test="$has-r">240</xsl:when>
        <xsl:otherwise>200</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="total" select="number($max) + number($max-r)"/>
    <xsl:variable name="scale">
      <xsl:choose>
        <xsl:when test="$total &gt; 0"><xsl:value-of select="$ph div $total"/></xsl:when>
        <xsl:otherwise>0</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="axis">
      <xsl:choose>
        <xsl:when test="$total &gt; 0"><xsl:value-of select="$top + $ph * number($max) div $total"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$top + $ph"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="bottom" select="$top + $ph"/>
    <xsl:variable name="w" select="$left + $pw + $right"/>
    <xsl:variable name="h" select="$bottom + 30"/>
    <xsl:variable name="bar-class">
      <xsl:choose>
        <xsl:when test="$kind = 'bill'">bar-bill</xsl:when>
        <xsl:otherwise><xsl:value-of select="concat('bar-', $kind)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="label-every">
      <xsl:call-template name="label-every">
        <xsl:with-param name="kind" select="$kind"/>
        <xsl:with-param name="slot" select="$slot"/>
      </xsl:call-template>
    </xsl:variable>
    <figure class="chart chart-{$kind}">
      <svg class="chart" role="img" aria-labelledby="{$id}-title" viewBox="0 0 {$w} {$h}"
           width="100%" preserveAspectRatio="xMidYMid meet">
        <title id="{$id}-title"><xsl:value-of select="$title"/></title>
        <text class="axis-unit" x="4" y="12"><xsl:value-of select="$unit"/></text>
        <xsl:if test="$total &gt; 0">
          <xsl:variable name="step">
            <xsl:call-template name="nice-step"><xsl:with-param name="raw" select="$total div 5"/></xsl:call-template>
          </xsl:variable>
          <xsl:call-template name="grid-lines">
            <xsl:with-param name="k" select="1"/>
            <xsl:with-param name="step" select="number($step)"/>
            <xsl:with-param name="limit" select="number($max)"/>
            <xsl:with-param name="dir" select="-1"/>
            <xsl:with-param name="axis" select="number($axis)"/>
            <xsl:with-param name="scale" select="number($scale)"/>
            <xsl:with-param name="pw" select="number($pw)"/>
          </xsl:call-template>
          <xsl:if test="$has-r">
            <xsl:call-template name="grid-lines">
              <xsl:with-param name="k" select="1"/>
              <xsl:with-param name="step" select="number($step)"/>
              <xsl:with-param name="limit" select="number($max-r)"/>
              <xsl:with-param name="dir" select="1"/>
              <xsl:with-param name="axis" select="number($axis)"/>
              <xsl:with-param name="scale" select="number($scale)"/>
              <xsl:with-param name="pw" select="number($pw)"/>
            </xsl:call-template>
          </xsl:if>
        </xsl:if>
        <g class="bars">
          <xsl:for-each select="$items">
            <xsl:variable name="p" select="position()"/>
            <xsl:variable name="x0" select="$left + ($p - 1) * $slot"/>
            <xsl:variable name="x" select="$x0 + ($slot - $bw) div 2"/>
            <!-- select expressions, not result tree fragments: libxslt keeps a fragment of
                 each loop's pass until the loop ends, thousands for the days of years -->
            <xsl:variable name="key" select="string(@date[$kind = 'day'] | @period[$kind = 'month'] | @startDate[$kind = 'bill'])"/>
            <xsl:variable name="v-attr" select="@delivered[$kind != 'bill'] | @cost[$kind = 'bill']"/>
            <xsl:variable name="v" select="sum($v-attr[number(.) = number(.)])"/>
            <xsl:variable name="missing" select="$kind != 'bill' and (@readings = 0 or (not(@readings) and not(@delivered) and not(@received)))"/>
            <xsl:if test="$missing">
              <rect class="missing-band" x="{format-number($x0, '0.##')}" y="{$top}"
                    width="{format-number($slot, '0.##')}" height="{$ph}"/>
            </xsl:if>
            <xsl:variable name="bh" select="number($v) * $scale"/>
            <xsl:variable name="bh-pos" select="$bh * number($bh &gt; 0)"/>
            <rect class="{$bar-class}" data-date="{$key}" x="{format-number($x, '0.##')}"
                  y="{format-number($axis - $bh-pos, '0.##')}"
                  width="{format-number($bw, '0.##')}" height="{format-number($bh-pos, '0.##')}">
              <xsl:if test="$missing"><xsl:attribute name="data-missing">true</xsl:attribute></xsl:if>
              <xsl:if test="$v-attr"><xsl:attribute name="data-value"><xsl:value-of select="$v-attr"/></xsl:attribute></xsl:if>
              <xsl:if test="$kind = 'day' and @missing &gt; 0 and @readings &gt; 0"><xsl:attribute name="data-partial">true</xsl:attribute></xsl:if>
              <title>
                <xsl:call-template name="bar-title">
                  <xsl:with-param name="kind" select="$kind"/>
                  <xsl:with-param name="key" select="$key"/>
                  <xsl:with-param name="v-attr" select="$v-attr"/>
                  <xsl:with-param name="unit" select="$unit"/>
                  <xsl:with-param name="missing" select="$missing"/>
                  <xsl:with-param name="has-r" select="$has-r"/>
                </xsl:call-template>
              </title>
            </rect>
            <xsl:if test="$has-r and @received">
              <xsl:variable name="rh" select="number(@received) * $scale"/>
              <rect class="{$bar-class}-received" data-date="{$key}" data-value="{@received}"
                    x="{format-number($x, '0.##')}" y="{format-number($axis, '0.##')}"
                    width="{format-number($bw, '0.##')}">
                <xsl:attribute name="height">
                  <xsl:choose>
                    <xsl:when test="$rh &gt; 0"><xsl:value-of select="format-number($rh, '0.##')"/></xsl:when>
                    <xsl:otherwise>0</xsl:otherwise>
                  </xsl:choose>
                </xsl:attribute>
                <title>
                  <xsl:value-of select="$key"/><xsl:text>: </xsl:text><xsl:value-of select="@received"/>
                  <xsl:text> </xsl:text><xsl:value-of select="$unit"/><xsl:text> to the grid</xsl:text>
                </title>
              </rect>
            </xsl:if>
            <!-- of many days only the first and each month's first are labelled: the call,
                 with its nine parameters, is the costly part of a year's chart -->
            <xsl:if test="$kind != 'day' or $n &lt;= 62 or $p = 1 or substring($key, 9, 2) = '01'">
              <xsl:call-template name="x-label">
                <xsl:with-param name="kind" select="$kind"/>
                <xsl:with-param name="date" select="$key"/>
                <xsl:with-param name="p" select="$p"/>
                <xsl:with-param name="n" select="$n"/>
                <xsl:with-param name="slot" select="$slot"/>
                <xsl:with-param name="every" select="number($label-every)"/>
                <xsl:with-param name="x0" select="$x0"/>
                <xsl:with-param name="y" select="$bottom"/>
                <xsl:with-param name="first" select="$items[1]/@date"/>
              </xsl:call-template>
            </xsl:if>
          </xsl:for-each>
        </g>
        <line class="axis" x1="{$left}" x2="{$left + $pw}" y1="{format-number($axis, '0.##')}" y2="{format-number($axis, '0.##')}"/>
      </svg>
      <xsl:if test="not($total &gt; 0)">
        <p class="note">
          <xsl:choose>
            <xsl:when test="$kind = 'bill'">No bill states a cost above zero.</xsl:when>
            <xsl:otherwise>No reading in this period has a value above zero.</xsl:otherwise>
          </xsl:choose>
        </p>
      </xsl:if>
      <xsl:call-template name="bar-legend">
        <xsl:with-param name="kind" select="$kind"/>
        <xsl:with-param name="has-r" select="$has-r"/>
        <xsl:with-param name="has-missing" select="$kind != 'bill' and $items[@readings = 0]"/>
        <xsl:with-param name="has-partial" select="$kind = 'day' and $items[@missing &gt; 0 and @readings &gt; 0]"/>
      </xsl:call-template>
      <details>
        <!-- A usage point of bills only: its bills table is the main content, shown open. -->
        <xsl:if test="$kind = 'bill' and not($items[1]/../../r:days/r:day or $items[1]/../../r:months/r:month)">
          <xsl:attribute name="open">open</xsl:attribute>
        </xsl:if>
        <summary>Data</summary>
        <xsl:choose>
          <xsl:when test="$kind = 'day'"><xsl:call-template name="day-table"><xsl:with-param name="items" select="$items"/></xsl:call-template></xsl:when>
          <xsl:when test="$kind = 'month'"><xsl:call-template name="month-table"><xsl:with-param name="items" select="$items"/></xsl:call-template></xsl:when>
          <xsl:otherwise>
            <xsl:for-each select="$items[1]/..">
              <xsl:call-template name="bill-table"><xsl:with-param name="cur" select="$unit"/></xsl:call-template>
            </xsl:for-each>
          </xsl:otherwise>
        </xsl:choose>
      </details>
    </figure>
  </xsl:template>

  <xsl:template name="bar-title">
    <xsl:param name="kind"/>
    <xsl:param name="key"/>
    <xsl:param name="v-attr"/>
    <xsl:param name="unit"/>
    <xsl:param name="missing"/>
    <xsl:param name="has-r"/>
    <xsl:choose>
      <xsl:when test="$kind = 'bill'">
        <xsl:text>Bill </xsl:text><xsl:value-of select="@startDate"/><xsl:text> to </xsl:text><xsl:value-of select="@endDate"/>
        <xsl:text>: </xsl:text>
        <xsl:choose>
          <xsl:when test="$v-attr"><xsl:value-of select="$v-attr"/><xsl:text> </xsl:text><xsl:value-of select="$unit"/></xsl:when>
          <xsl:otherwise>no cost stated</xsl:otherwise>
        </xsl:choose>
        <xsl:if test="@consumption">
          <xsl:text>, </xsl:text><xsl:value-of select="@consumption"/><xsl:text> </xsl:text><xsl:value-of select="@consumptionUnit"/>
        </xsl:if>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$key"/><xsl:text>: </xsl:text>
        <xsl:choose>
          <xsl:when test="$missing">no readings</xsl:when>
          <xsl:when test="$v-attr">
            <xsl:value-of select="$v-attr"/><xsl:text> </xsl:text><xsl:value-of select="$unit"/>
            <xsl:if test="$has-r"><xsl:text> from the grid</xsl:text></xsl:if>
          </xsl:when>
          <xsl:otherwise>no use from the grid</xsl:otherwise>
        </xsl:choose>
        <xsl:if test="@hours and @hours != 24">
          <xsl:text> (</xsl:text><xsl:value-of select="@hours"/><xsl:text>-hour day)</xsl:text>
        </xsl:if>
        <xsl:if test="@missing &gt; 0 and not($missing)">
          <xsl:text>; </xsl:text><xsl:value-of select="@missing"/><xsl:text> intervals missing</xsl:text>
        </xsl:if>
        <xsl:if test="@estimated &gt; 0">
          <xsl:text>; </xsl:text><xsl:value-of select="@estimated"/><xsl:text> estimated</xsl:text>
        </xsl:if>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="bar-legend">
    <xsl:param name="kind"/>
    <xsl:param name="has-r"/>
    <xsl:param name="has-missing"/>
    <xsl:param name="has-partial"/>
    <ul class="legend">
      <xsl:choose>
        <xsl:when test="$kind = 'bill'">
          <li><span class="swatch sw-bill"></span>Cost of the billing period</li>
        </xsl:when>
        <xsl:otherwise>
          <li><span class="swatch sw-delivered"></span>
            <xsl:choose>
              <xsl:when test="$has-r">From the grid (delivered)</xsl:when>
              <xsl:otherwise>Use</xsl:otherwise>
            </xsl:choose>
          </li>
          <xsl:if test="$has-r">
            <li><span class="swatch sw-received"></span>To the grid (received)</li>
          </xsl:if>
          <xsl:if test="$has-missing">
            <li><span class="swatch sw-missing"></span>No readings</li>
          </xsl:if>
          <xsl:if test="$has-partial">
            <li><span class="swatch sw-partial"></span>Some intervals missing</li>
          </xsl:if>
        </xsl:otherwise>
      </xsl:choose>
    </ul>
  </xsl:template>

  <!-- Every how many months an x label is written, so that labels are 60 units apart. -->
  <xsl:template name="label-every">
    <xsl:param name="kind"/>
    <xsl:param name="slot"/>
    <xsl:variable name="month-width">
      <xsl:choose>
        <xsl:when test="$kind = 'day'"><xsl:value-of select="30.4 * $slot"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$slot"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="k" select="ceiling(60 div $month-width)"/>
    <xsl:choose>
      <xsl:when test="$k &lt;= 1">1</xsl:when>
      <xsl:when test="$k &lt;= 2">2</xsl:when>
      <xsl:when test="$k &lt;= 3">3</xsl:when>
      <xsl:when test="$k &lt;= 6">6</xsl:when>
      <xsl:otherwise><xsl:value-of select="12 * ceiling($k div 12)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The x-axis label of one bar or heat-map column, if it gets one: weekly for a short
       run of days, else month starts (every $every-th month). -->
  <xsl:template name="x-label">
    <xsl:param name="kind"/>
    <xsl:param name="date"/>
    <xsl:param name="p"/>
    <xsl:param name="n"/>
    <xsl:param name="slot"/>
    <xsl:param name="every"/>
    <xsl:param name="x0"/>
    <xsl:param name="y"/>
    <xsl:param name="first"/>
    <xsl:variable name="yr" select="number(substring($date, 1, 4))"/>
    <xsl:variable name="mo" select="number(substring($date, 6, 2))"/>
    <xsl:variable name="dom" select="number(substring($date, 9, 2))"/>
    <xsl:variable name="mname" select="substring($months, 3 * $mo - 2, 3)"/>
    <xsl:choose>
      <xsl:when test="$kind = 'day' and $n &lt;= 62">
        <xsl:if test="$n &lt;= 16 or ($p - 1) mod 7 = 0">
          <line class="tick" x1="{format-number($x0 + $slot div 2, '0.##')}" x2="{format-number($x0 + $slot div 2, '0.##')}" y1="{$y}" y2="{$y + 4}"/>
          <text class="tick-label" x="{format-number($x0 + $slot div 2, '0.##')}" y="{$y + 16}" text-anchor="middle">
            <xsl:value-of select="concat($dom, ' ', $mname)"/>
          </text>
        </xsl:if>
      </xsl:when>
      <xsl:when test="$kind = 'day'">
        <xsl:variable name="is-month-start" select="$dom = 1 and ($yr * 12 + $mo - 1) mod $every = 0 and ($n - $p + 1) * $slot &gt;= 40"/>
        <xsl:variable name="is-first" select="$p = 1 and $dom != 1 and (31 - $dom) * $slot &gt;= 64"/>
        <xsl:if test="$is-month-start or $is-first">
          <line class="tick" x1="{format-number($x0, '0.##')}" x2="{format-number($x0, '0.##')}" y1="{$y}" y2="{$y + 4}"/>
          <text class="tick-label" x="{format-number($x0, '0.##')}" y="{$y + 16}">
            <!-- The year on January and on the first label: the first day's own label, else
                 the first labelled month start, at most $every months after the first day. -->
            <xsl:variable name="fdom" select="number(substring($first, 9, 2))"/>
            <xsl:variable name="first-labelled" select="($fdom != 1 and (31 - $fdom) * $slot &gt;= 64) or ($fdom = 1 and (number(substring($first, 1, 4)) * 12 + number(substring($first, 6, 2)) - 1) mod $every = 0)"/>
            <xsl:variable name="since" select="$yr * 12 + $mo - number(substring($first, 1, 4)) * 12 - number(substring($first, 6, 2))"/>
            <xsl:value-of select="$mname"/>
            <xsl:if test="$mo = 1 or $p = 1 or (not($first-labelled) and $since &lt;= $every)">
              <xsl:text> </xsl:text><xsl:value-of select="$yr"/>
            </xsl:if>
          </text>
        </xsl:if>
      </xsl:when>
      <xsl:otherwise>
        <xsl:if test="($p - 1) mod $every = 0">
          <text class="tick-label" x="{format-number($x0 + $slot div 2, '0.##')}" y="{$y + 16}" text-anchor="middle">
            <xsl:value-of select="$mname"/>
            <xsl:if test="$mo = 1 or $p = 1 or ($slot &gt;= 90)">
              <xsl:text> </xsl:text><xsl:value-of select="$yr"/>
            </xsl:if>
          </text>
        </xsl:if>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The smallest of 1, 2, 5 × 10^k that is at least raw (raw > 0). -->
  <xsl:template name="nice-step">
    <xsl:param name="raw"/>
    <xsl:param name="m" select="1"/>
    <xsl:param name="depth" select="0"/>
    <xsl:choose>
      <xsl:when test="not($raw &gt; 0) or $depth &gt; 40"><xsl:value-of select="$m"/></xsl:when>
      <xsl:when test="$raw &gt; $m * 10">
        <xsl:call-template name="nice-step">
          <xsl:with-param name="raw" select="$raw"/>
          <xsl:with-param name="m" select="$m * 10"/>
          <xsl:with-param name="depth" select="$depth + 1"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$raw &lt;= $m">
        <xsl:call-template name="nice-step">
          <xsl:with-param name="raw" select="$raw"/>
          <xsl:with-param name="m" select="$m div 10"/>
          <xsl:with-param name="depth" select="$depth + 1"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$raw &lt;= $m * 2"><xsl:value-of select="$m * 2"/></xsl:when>
      <xsl:when test="$raw &lt;= $m * 5"><xsl:value-of select="$m * 5"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$m * 10"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Horizontal grid lines at k × step from the axis, up (dir -1) or down (dir 1). -->
  <xsl:template name="grid-lines">
    <xsl:param name="k"/>
    <xsl:param name="step"/>
    <xsl:param name="limit"/>
    <xsl:param name="dir"/>
    <xsl:param name="axis"/>
    <xsl:param name="scale"/>
    <xsl:param name="pw"/>
    <xsl:if test="$step &gt; 0 and $k * $step &lt;= $limit * 1.000001 and $k &lt; 50">
      <xsl:variable name="y" select="format-number($axis + $dir * $k * $step * $scale, '0.##')"/>
      <line class="grid" x1="{$left}" x2="{$left + $pw}" y1="{$y}" y2="{$y}"/>
      <text class="tick-label" x="{$left - 6}" y="{$y}" dy="0.35em" text-anchor="end">
        <xsl:value-of select="format-number($k * $step, '#,##0.######')"/>
      </text>
      <xsl:call-template name="grid-lines">
        <xsl:with-param name="k" select="$k + 1"/>
        <xsl:with-param name="step" select="$step"/>
        <xsl:with-param name="limit" select="$limit"/>
        <xsl:with-param name="dir" select="$dir"/>
        <xsl:with-param name="axis" select="$axis"/>
        <xsl:with-param name="scale" select="$scale"/>
        <xsl:with-param name="pw" select="$pw"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- ================================================================ tables -->

  <xsl:template name="day-table">
    <xsl:param name="items"/>
    <xsl:variable name="has-r" select="boolean($items/@received)"/>
    <xsl:variable name="has-net" select="boolean($items/@net)"/>
    <xsl:variable name="has-cost" select="boolean($items/@cost)"/>
    <xsl:variable name="unit" select="$items[1]/../../@unit"/>
    <table class="data">
      <thead>
        <tr>
          <th>Date</th><th class="num">Hours</th>
          <th class="num">
            <xsl:choose><xsl:when test="$has-r">Delivered</xsl:when><xsl:otherwise>Use</xsl:otherwise></xsl:choose>
            <xsl:text> (</xsl:text><xsl:value-of select="$unit"/><xsl:text>)</xsl:text>
          </th>
          <xsl:if test="$has-r"><th class="num">Received (<xsl:value-of select="$unit"/>)</th></xsl:if>
          <xsl:if test="$has-net"><th class="num">Net (<xsl:value-of select="$unit"/>)</th></xsl:if>
          <xsl:if test="$has-cost"><th class="num">Cost (<xsl:value-of select="$items[1]/../../@currency"/>)</th></xsl:if>
          <th class="num">Readings</th><th class="num">Missing</th><th class="num">Estimated</th>
          <th class="num">Peak demand</th>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="$items">
          <tr>
            <xsl:if test="@readings = 0"><xsl:attribute name="class">missing</xsl:attribute></xsl:if>
            <td><xsl:value-of select="@date"/></td>
            <td class="num"><xsl:value-of select="@hours"/></td>
            <td class="num"><xsl:value-of select="@delivered"/></td>
            <xsl:if test="$has-r"><td class="num"><xsl:value-of select="@received"/></td></xsl:if>
            <xsl:if test="$has-net"><td class="num"><xsl:value-of select="@net"/></td></xsl:if>
            <xsl:if test="$has-cost"><td class="num"><xsl:value-of select="@cost"/></td></xsl:if>
            <td class="num"><xsl:value-of select="@readings"/></td>
            <td class="num"><xsl:value-of select="@missing"/></td>
            <td class="num"><xsl:value-of select="@estimated"/></td>
            <td class="num"><xsl:value-of select="@peakDemand"/></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

  <xsl:template name="month-table">
    <xsl:param name="items"/>
    <xsl:variable name="has-r" select="boolean($items/@received)"/>
    <xsl:variable name="has-net" select="boolean($items/@net)"/>
    <xsl:variable name="has-cost" select="boolean($items/@cost)"/>
    <xsl:variable name="unit" select="$items[1]/../../@unit"/>
    <table class="data">
      <thead>
        <tr>
          <th>Month</th>
          <th class="num">
            <xsl:choose><xsl:when test="$has-r">Delivered</xsl:when><xsl:otherwise>Use</xsl:otherwise></xsl:choose>
            <xsl:text> (</xsl:text><xsl:value-of select="$unit"/><xsl:text>)</xsl:text>
          </th>
          <xsl:if test="$has-r"><th class="num">Received (<xsl:value-of select="$unit"/>)</th></xsl:if>
          <xsl:if test="$has-net"><th class="num">Net (<xsl:value-of select="$unit"/>)</th></xsl:if>
          <xsl:if test="$has-cost"><th class="num">Cost (<xsl:value-of select="$items[1]/../../@currency"/>)</th></xsl:if>
          <th class="num">Readings</th><th class="num">Missing</th><th class="num">Estimated</th>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="$items">
          <tr>
            <td><xsl:value-of select="@period"/></td>
            <td class="num"><xsl:value-of select="@delivered"/></td>
            <xsl:if test="$has-r"><td class="num"><xsl:value-of select="@received"/></td></xsl:if>
            <xsl:if test="$has-net"><td class="num"><xsl:value-of select="@net"/></td></xsl:if>
            <xsl:if test="$has-cost"><td class="num"><xsl:value-of select="@cost"/></td></xsl:if>
            <td class="num"><xsl:value-of select="@readings"/></td>
            <td class="num"><xsl:value-of select="@missing"/></td>
            <td class="num"><xsl:value-of select="@estimated"/></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

  <!-- Context: r:bills. -->
  <xsl:template name="bill-table">
    <xsl:param name="cur"/>
    <table class="data">
      <thead>
        <tr><th>From</th><th>To</th><th class="num">Days</th><th class="num">Consumption</th>
          <th class="num">Cost (<xsl:value-of select="$cur"/>)</th></tr>
      </thead>
      <tbody>
        <xsl:for-each select="r:bill">
          <tr>
            <td><xsl:value-of select="@startDate"/></td>
            <td><xsl:value-of select="@endDate"/></td>
            <td class="num"><xsl:value-of select="@days"/></td>
            <td class="num">
              <xsl:value-of select="@consumption"/>
              <xsl:if test="@consumptionUnit"><xsl:text> </xsl:text><xsl:value-of select="@consumptionUnit"/></xsl:if>
            </td>
            <td class="num"><xsl:value-of select="@cost"/></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

  <!-- ============================================================== heat map -->

  <xsl:template match="r:loadShape">
    <xsl:param name="id"/>
    <xsl:variable name="unit" select="../@unit"/>
    <!-- Columns: the last @days days of the days element (espi draws the cells as one
         image, a pixel each: thousands of rectangles would cost far more to write). -->
    <xsl:variable name="nall" select="count(../r:days/r:day)"/>
    <xsl:variable name="cols" select="../r:days/r:day[position() &gt; $nall - number(current()/@days)]"/>
    <xsl:variable name="n" select="count($cols)"/>
    <xsl:variable name="max" select="number(@max)"/>
    <xsl:variable name="pw">
      <xsl:choose>
        <xsl:when test="$n &gt; $plot-w"><xsl:value-of select="$n"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$plot-w"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="cw" select="$pw div $n"/>
    <xsl:variable name="ch" select="9"/>
    <xsl:variable name="bottom" select="$top + 24 * $ch"/>
    <xsl:variable name="label-every">
      <xsl:call-template name="label-every">
        <xsl:with-param name="kind" select="'day'"/>
        <xsl:with-param name="slot" select="$cw"/>
      </xsl:call-template>
    </xsl:variable>
    <section class="chart-block">
      <h3>Use by hour of day</h3>
      <figure class="chart chart-load">
        <svg class="chart heatmap" role="img" aria-labelledby="{$id}-title"
             viewBox="0 0 {$left + $pw + $right} {$bottom + 30}" width="100%" preserveAspectRatio="xMidYMid meet">
          <title id="{$id}-title">
            <xsl:text>Use in </xsl:text><xsl:value-of select="$unit"/>
            <xsl:text> per local hour (down) and day (across), </xsl:text>
            <xsl:value-of select="@firstDay"/><xsl:text> to </xsl:text><xsl:value-of select="@lastDay"/>
            <xsl:text>; darker is less, brighter is more</xsl:text>
          </title>
          <rect class="hm-bg" x="{$left}" y="{$top}" width="{$pw}" height="{24 * $ch}"/>
          <image class="hm-image" href="{@image}" x="{$left}" y="{$top}" width="{$pw}"
                 height="{24 * $ch}" preserveAspectRatio="none"/>
          <xsl:call-template name="hour-labels"><xsl:with-param name="ch" select="$ch"/></xsl:call-template>
          <g class="day-labels">
            <xsl:for-each select="$cols">
              <xsl:variable name="p" select="position()"/>
              <xsl:if test="$n &lt;= 62 or $p = 1 or substring(@date, 9, 2) = '01'">
                <xsl:call-template name="x-label">
                  <xsl:with-param name="kind" select="'day'"/>
                  <xsl:with-param name="date" select="@date"/>
                  <xsl:with-param name="p" select="$p"/>
                  <xsl:with-param name="n" select="$n"/>
                  <xsl:with-param name="slot" select="$cw"/>
                  <xsl:with-param name="every" select="number($label-every)"/>
                  <xsl:with-param name="x0" select="$left + ($p - 1) * $cw"/>
                  <xsl:with-param name="y" select="$bottom"/>
                  <xsl:with-param name="first" select="$cols[1]/@date"/>
                </xsl:call-template>
              </xsl:if>
            </xsl:for-each>
          </g>
        </svg>
        <xsl:call-template name="heat-legend">
          <xsl:with-param name="max" select="$max"/>
          <xsl:with-param name="unit" select="$unit"/>
        </xsl:call-template>
        <details>
          <summary>Data: average <xsl:value-of select="$unit"/> per hour of day, by month</summary>
          <table class="data hours">
            <thead>
              <tr>
                <th>Month</th>
                <xsl:call-template name="hour-heads"/>
              </tr>
            </thead>
            <tbody>
              <xsl:for-each select="r:profile">
                <tr>
                  <td><xsl:value-of select="@period"/></td>
                  <xsl:for-each select="r:average">
                    <td class="num"><xsl:value-of select="@value"/></td>
                  </xsl:for-each>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
          <p class="note">Each cell of the chart, per day and hour, is in the report XML
          (<code>espi report --format xml</code>).</p>
        </details>
      </figure>
    </section>
  </xsl:template>

  <xsl:template name="hour-labels">
    <xsl:param name="ch"/>
    <xsl:param name="h" select="0"/>
    <xsl:if test="$h &lt;= 24">
      <text class="tick-label" x="{$left - 6}" y="{$top + $h * $ch}" dy="0.35em" text-anchor="end">
        <xsl:value-of select="format-number($h, '00')"/><xsl:text>:00</xsl:text>
      </text>
      <line class="tick" x1="{$left - 3}" x2="{$left}" y1="{$top + $h * $ch}" y2="{$top + $h * $ch}"/>
      <xsl:call-template name="hour-labels">
        <xsl:with-param name="ch" select="$ch"/>
        <xsl:with-param name="h" select="$h + 6"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <xsl:template name="hour-heads">
    <xsl:param name="h" select="0"/>
    <xsl:if test="$h &lt; 24">
      <th class="num"><xsl:value-of select="format-number($h, '00')"/></th>
      <xsl:call-template name="hour-heads"><xsl:with-param name="h" select="$h + 1"/></xsl:call-template>
    </xsl:if>
  </xsl:template>

  <xsl:template name="heat-legend">
    <xsl:param name="max"/>
    <xsl:param name="unit"/>
    <xsl:param name="s" select="0"/>
    <xsl:choose>
      <xsl:when test="$s = 0">
        <ul class="legend heat-legend">
          <li class="legend-caption"><xsl:value-of select="$unit"/> per hour:</li>
          <xsl:call-template name="heat-legend">
            <xsl:with-param name="max" select="$max"/>
            <xsl:with-param name="unit" select="$unit"/>
            <xsl:with-param name="s" select="1"/>
          </xsl:call-template>
          <li><span class="swatch sw-none"></span>no reading</li>
        </ul>
      </xsl:when>
      <xsl:when test="$s &lt;= 6">
        <li>
          <span class="swatch hm-sw{$s - 1}"></span>
          <xsl:choose>
            <xsl:when test="$s = 6">
              <xsl:text>≥ </xsl:text>
              <xsl:call-template name="fmt-scaled"><xsl:with-param name="v" select="$max * 5 div 6"/><xsl:with-param name="max" select="$max"/></xsl:call-template>
            </xsl:when>
            <xsl:otherwise>
              <xsl:text>&lt; </xsl:text>
              <xsl:call-template name="fmt-scaled"><xsl:with-param name="v" select="$max * $s div 6"/><xsl:with-param name="max" select="$max"/></xsl:call-template>
            </xsl:otherwise>
          </xsl:choose>
        </li>
        <xsl:call-template name="heat-legend">
          <xsl:with-param name="max" select="$max"/>
          <xsl:with-param name="unit" select="$unit"/>
          <xsl:with-param name="s" select="$s + 1"/>
        </xsl:call-template>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- =========================================================== time of use -->

  <xsl:template match="r:timeOfUse">
    <xsl:param name="id"/>
    <xsl:variable name="unit">
      <xsl:choose>
        <xsl:when test="@unit"><xsl:value-of select="@unit"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="../@unit"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="sum" select="sum(r:tou/@delivered[number(.) = number(.)])"/>
    <xsl:variable name="w" select="$plot-w"/>
    <section class="chart-block">
      <h3>Time-of-use split</h3>
      <xsl:variable name="shares" select="sum(r:tou/@share[number(.) = number(.)])"/>
      <figure class="chart chart-tou">
        <xsl:if test="not($shares &gt; 0 or $sum &gt; 0)">
          <p class="note">The time-of-use periods have no use to split.</p>
        </xsl:if>
        <xsl:if test="$shares &gt; 0 or $sum &gt; 0">
        <svg class="chart tou" role="img" aria-labelledby="{$id}-title" viewBox="0 0 {$w + 2} 44"
             width="100%" preserveAspectRatio="xMidYMid meet">
          <title id="{$id}-title">
            <xsl:text>Share of use per time-of-use period</xsl:text>
          </title>
          <xsl:for-each select="r:tou">
            <xsl:variable name="share">
              <xsl:call-template name="tou-share"><xsl:with-param name="sum" select="$sum"/></xsl:call-template>
            </xsl:variable>
            <xsl:variable name="before">
              <xsl:choose>
                <xsl:when test="preceding-sibling::r:tou/@share">
                  <xsl:value-of select="sum(preceding-sibling::r:tou/@share)"/>
                </xsl:when>
                <xsl:when test="$sum &gt; 0">
                  <xsl:value-of select="sum(preceding-sibling::r:tou/@delivered[number(.) = number(.)]) div $sum"/>
                </xsl:when>
                <xsl:otherwise>0</xsl:otherwise>
              </xsl:choose>
            </xsl:variable>
            <xsl:variable name="x" select="1 + number($before) * $w"/>
            <xsl:variable name="sw" select="number($share) * $w"/>
            <rect class="tou-seg tou{(position() - 1) mod 6}" data-tou="{@code}" data-value="{@delivered}"
                  x="{format-number($x, '0.##')}" y="2" height="40">
              <xsl:attribute name="width">
                <xsl:choose>
                  <xsl:when test="$sw &gt; 0"><xsl:value-of select="format-number($sw, '0.##')"/></xsl:when>
                  <xsl:otherwise>0</xsl:otherwise>
                </xsl:choose>
              </xsl:attribute>
              <title>
                <xsl:text>TOU </xsl:text><xsl:value-of select="@code"/><xsl:text>: </xsl:text>
                <xsl:value-of select="@delivered"/><xsl:text> </xsl:text><xsl:value-of select="$unit"/>
                <xsl:text>, </xsl:text><xsl:value-of select="format-number(number($share), '0.0%')"/>
              </title>
            </rect>
            <xsl:if test="$sw &gt;= 90">
              <text class="seg-label tl{(position() - 1) mod 6}" x="{format-number($x + 8, '0.##')}" y="27">
                <xsl:text>TOU </xsl:text><xsl:value-of select="@code"/><xsl:text> · </xsl:text>
                <xsl:value-of select="format-number(number($share), '0%')"/>
              </text>
            </xsl:if>
          </xsl:for-each>
        </svg>
        </xsl:if>
        <ul class="legend">
          <xsl:for-each select="r:tou">
            <li>
              <span class="swatch sw-tou{(position() - 1) mod 6}"></span>
              <xsl:text>TOU </xsl:text><xsl:value-of select="@code"/><xsl:text>: </xsl:text>
              <xsl:variable name="share">
                <xsl:call-template name="tou-share"><xsl:with-param name="sum" select="$sum"/></xsl:call-template>
              </xsl:variable>
              <xsl:value-of select="format-number(number($share), '0.0%')"/>
              <xsl:if test="@delivered">
                <xsl:text> (</xsl:text><xsl:value-of select="@delivered"/><xsl:text> </xsl:text><xsl:value-of select="$unit"/><xsl:text>)</xsl:text>
              </xsl:if>
            </li>
          </xsl:for-each>
        </ul>
        <details>
          <summary>Data</summary>
          <table class="data">
            <thead>
              <tr><th>Time-of-use code</th><th class="num">Use (<xsl:value-of select="$unit"/>)</th>
                <th class="num">Cost (<xsl:value-of select="../@currency"/>)</th><th class="num">Share</th></tr>
            </thead>
            <tbody>
              <xsl:for-each select="r:tou">
                <tr>
                  <td><xsl:value-of select="@code"/></td>
                  <td class="num"><xsl:value-of select="@delivered"/></td>
                  <td class="num"><xsl:value-of select="@cost"/></td>
                  <td class="num">
                    <xsl:variable name="share">
                      <xsl:call-template name="tou-share"><xsl:with-param name="sum" select="$sum"/></xsl:call-template>
                    </xsl:variable>
                    <xsl:value-of select="format-number(number($share), '0.0%')"/>
                  </td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
        </details>
      </figure>
    </section>
  </xsl:template>

  <xsl:template name="tou-share">
    <xsl:param name="sum"/>
    <xsl:choose>
      <xsl:when test="number(@share) = number(@share)"><xsl:value-of select="number(@share)"/></xsl:when>
      <xsl:when test="$sum &gt; 0 and number(@delivered) = number(@delivered)"><xsl:value-of select="number(@delivered) div $sum"/></xsl:when>
      <xsl:otherwise>0</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ========================================================== data quality -->

  <xsl:template match="r:quality">
    <xsl:variable name="all" select="number(@readings) + number(@missing)"/>
    <section class="chart-block quality">
      <h3>Data quality</h3>
      <div class="headline quality-figures">
        <div class="figure">
          <div class="label">Readings</div>
          <div class="value"><span class="quality-readings" data-value="{@readings}"><xsl:value-of select="@readings"/></span></div>
          <xsl:if test="$all &gt; 0">
            <div class="sub"><xsl:value-of select="format-number(number(@readings) div $all, '0.0#%')"/> of the intervals</div>
          </xsl:if>
        </div>
        <div class="figure">
          <div class="label">Missing intervals</div>
          <div class="value"><span class="quality-missing" data-value="{@missing}"><xsl:value-of select="@missing"/></span></div>
          <div class="sub">
            <xsl:value-of select="@gaps"/>
            <xsl:choose><xsl:when test="@gaps = 1"> gap</xsl:when><xsl:otherwise> gaps</xsl:otherwise></xsl:choose>
          </div>
        </div>
        <div class="figure">
          <div class="label">Estimated readings</div>
          <div class="value"><span class="quality-estimated" data-value="{@estimated}"><xsl:value-of select="@estimated"/></span></div>
          <xsl:if test="@readings &gt; 0">
            <div class="sub"><xsl:value-of select="format-number(number(@estimated) div number(@readings), '0.0#%')"/> of the readings</div>
          </xsl:if>
        </div>
      </div>
      <xsl:if test="r:gap">
        <table class="data gaps">
          <caption>
            <xsl:choose>
              <xsl:when test="@gaps &gt; count(r:gap)">
                <xsl:text>The first </xsl:text><xsl:value-of select="count(r:gap)"/><xsl:text> of </xsl:text>
                <xsl:value-of select="@gaps"/><xsl:text> gaps in the readings</xsl:text>
              </xsl:when>
              <xsl:otherwise>Gaps in the readings</xsl:otherwise>
            </xsl:choose>
          </caption>
          <thead><tr><th>Starts (local)</th><th>Starts (UTC)</th><th class="num">Missing intervals</th></tr></thead>
          <tbody>
            <xsl:for-each select="r:gap">
              <tr class="gap">
                <td><xsl:value-of select="@startLocal"/></td>
                <td><xsl:value-of select="@startUtc"/></td>
                <td class="num"><xsl:value-of select="@slots"/></td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </xsl:if>
    </section>
  </xsl:template>

  <!-- ============================================================ validation -->

  <xsl:template match="r:validation">
    <section class="validation" id="validation">
      <h2>Validation</h2>
      <p>
        <xsl:attribute name="class">
          <xsl:choose>
            <xsl:when test="@valid = 'true'">verdict verdict-valid</xsl:when>
            <xsl:otherwise>verdict verdict-invalid</xsl:otherwise>
          </xsl:choose>
        </xsl:attribute>
        <xsl:choose>
          <xsl:when test="@valid = 'true'">The file is valid</xsl:when>
          <xsl:otherwise>The file is not valid</xsl:otherwise>
        </xsl:choose>
        <xsl:text>: </xsl:text><xsl:value-of select="@errors"/><xsl:text> errors, </xsl:text>
        <xsl:value-of select="@warnings"/><xsl:text> warnings.</xsl:text>
      </p>
      <xsl:if test="r:rule">
        <table class="data rules">
          <thead><tr><th>Rule</th><th>Severity</th><th class="num">Findings</th><th>What it checks</th></tr></thead>
          <tbody>
            <xsl:for-each select="r:rule">
              <tr>
                <td><a href="#v{position()}"><code><xsl:value-of select="@id"/></code></a></td>
                <td><xsl:call-template name="severity"/></td>
                <td class="num"><xsl:value-of select="@count"/></td>
                <td><xsl:value-of select="@summary"/></td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
        <xsl:for-each select="r:rule">
          <div class="rule" id="v{position()}" data-rule="{@id}">
            <h3>
              <code><xsl:value-of select="@id"/></code>
              <xsl:text> </xsl:text>
              <xsl:call-template name="severity"/>
              <span class="count">
                <xsl:value-of select="@count"/>
                <xsl:choose><xsl:when test="@count = 1"> finding</xsl:when><xsl:otherwise> findings</xsl:otherwise></xsl:choose>
              </span>
            </h3>
            <xsl:if test="@summary"><p class="rule-summary"><xsl:value-of select="@summary"/></p></xsl:if>
            <ol class="findings">
              <xsl:for-each select="r:finding">
                <li>
                  <span class="where"><xsl:value-of select="@line"/><xsl:text>:</xsl:text><xsl:value-of select="@column"/></span>
                  <xsl:text> </xsl:text>
                  <span class="message"><xsl:value-of select="@message"/></span>
                </li>
              </xsl:for-each>
            </ol>
            <xsl:if test="@count &gt; count(r:finding)">
              <p class="more">… and <xsl:value-of select="@count - count(r:finding)"/> more (espi validate lists them all).</p>
            </xsl:if>
          </div>
        </xsl:for-each>
      </xsl:if>
    </section>
  </xsl:template>

  <xsl:template name="severity">
    <span>
      <xsl:attribute name="class">
        <xsl:choose>
          <xsl:when test="@severity = 'error'">sev sev-error</xsl:when>
          <xsl:when test="@severity = 'warning'">sev sev-warning</xsl:when>
          <xsl:otherwise>sev sev-other</xsl:otherwise>
        </xsl:choose>
      </xsl:attribute>
      <xsl:value-of select="@severity"/>
    </span>
  </xsl:template>

  <!-- ============================================================== helpers -->

  <!-- A value of a scale up to max, with three significant digits of max. -->
  <xsl:template name="fmt-scaled">
    <xsl:param name="v"/>
    <xsl:param name="max"/>
    <xsl:choose>
      <xsl:when test="$max &gt;= 100"><xsl:value-of select="format-number($v, '#,##0')"/></xsl:when>
      <xsl:when test="$max &gt;= 10"><xsl:value-of select="format-number($v, '0.#')"/></xsl:when>
      <xsl:when test="$max &gt;= 1"><xsl:value-of select="format-number($v, '0.##')"/></xsl:when>
      <xsl:when test="$max &gt;= 0.1"><xsl:value-of select="format-number($v, '0.###')"/></xsl:when>
      <xsl:when test="$max &gt;= 0.01"><xsl:value-of select="format-number($v, '0.####')"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="format-number($v, '0.######')"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="capitalize">
    <xsl:param name="s"/>
    <xsl:value-of select="concat(translate(substring($s, 1, 1), 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), substring($s, 2))"/>
  </xsl:template>

  <!-- YYYY-MM-DD as "20 Feb 2024"; anything else as it is. -->
  <xsl:template name="date-long">
    <xsl:param name="d"/>
    <xsl:variable name="mo" select="number(substring($d, 6, 2))"/>
    <xsl:choose>
      <xsl:when test="string-length($d) = 10 and $mo &gt;= 1 and $mo &lt;= 12">
        <xsl:value-of select="concat(number(substring($d, 9, 2)), ' ', substring($months, 3 * $mo - 2, 3), ' ', substring($d, 1, 4))"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$d"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "YYYY-MM-DD HH:MM" as "22 Mar 2024, 20:00". -->
  <xsl:template name="local-time-long">
    <xsl:param name="t"/>
    <xsl:call-template name="date-long"><xsl:with-param name="d" select="substring($t, 1, 10)"/></xsl:call-template>
    <xsl:if test="string-length($t) &gt; 10">
      <xsl:text>, </xsl:text><xsl:value-of select="substring($t, 12)"/>
    </xsl:if>
  </xsl:template>

  <xsl:template name="money">
    <xsl:param name="v"/>
    <xsl:param name="cur"/>
    <xsl:variable name="n" select="number($v)"/>
    <xsl:variable name="abs">
      <xsl:choose>
        <xsl:when test="$n &lt; 0"><xsl:value-of select="format-number(-$n, '#,##0.00')"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="format-number($n, '#,##0.00')"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:if test="$n &lt; 0">−</xsl:if>
    <xsl:choose>
      <xsl:when test="$cur = 'USD'"><xsl:value-of select="concat('$', $abs)"/></xsl:when>
      <xsl:when test="$cur = 'EUR'"><xsl:value-of select="concat('€', $abs)"/></xsl:when>
      <xsl:when test="$cur = 'GBP'"><xsl:value-of select="concat('£', $abs)"/></xsl:when>
      <xsl:when test="$cur = 'CAD'"><xsl:value-of select="concat('CA$', $abs)"/></xsl:when>
      <xsl:when test="$cur = 'AUD'"><xsl:value-of select="concat('A$', $abs)"/></xsl:when>
      <xsl:when test="string($cur) != ''"><xsl:value-of select="concat($abs, ' ', $cur)"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$abs"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ================================================================== CSS -->

  <xsl:template name="css">
    <style>
:root {
  --bg: #f5f7fa; --card: #ffffff; --fg: #1c2430; --muted: #5b6675; --line: #dfe4ea;
  --grid: #e8ecf1; --axis: #6b7685; --accent: #0072B2;
  --delivered: #0072B2; --received: #E69F00; --net: #009E73; --bill: #CC79A7;
  --missing: #d9dde3; --none: #eef1f4;
  --t0: #0072B2; --t1: #E69F00; --t2: #009E73; --t3: #CC79A7; --t4: #56B4E9; --t5: #D55E00;
  --h0: #440154; --h1: #414487; --h2: #2a788e; --h3: #22a884; --h4: #7ad151; --h5: #fde725;
  --error: #b8321f; --warning: #946200; --ok: #007a55;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1318; --card: #171c23; --fg: #e4e8ee; --muted: #9aa5b4; --line: #2a323d;
    --grid: #242c36; --axis: #8a95a5; --accent: #56B4E9;
    --delivered: #56B4E9; --received: #E69F00; --net: #3fc19a; --bill: #e09ac2;
    --missing: #2b323c; --none: #1f252d;
    --t0: #56B4E9; --t4: #9ad3f2;
    --error: #ff8a75; --warning: #f0c05a; --ok: #5fd3a8;
  }
  svg.chart text.seg-label.tl0 { fill: #111; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;
  font-size: 15px; line-height: 1.45;
}
.page-header, main, .page-footer { max-width: 1080px; margin: 0 auto; padding: 0 20px; }
.page-header { padding-top: 28px; padding-bottom: 8px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 1.35rem; margin: 0 0 6px; overflow-wrap: anywhere; }
h3 { font-size: 1.05rem; margin: 0 0 10px; }
.source { margin: 0; color: var(--muted); overflow-wrap: anywhere; }
.source-title { color: var(--fg); font-weight: 600; }
.toc ul { list-style: none; padding: 0; margin: 12px 0 0; display: flex; flex-wrap: wrap; gap: 8px; }
.toc a { display: inline-block; padding: 4px 10px; border: 1px solid var(--line); border-radius: 999px;
  background: var(--card); color: var(--accent); text-decoration: none; }
.toc .muted { color: var(--muted); }
.usage-point, .validation {
  background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 22px 24px; margin: 18px 0;
}
.up-header { border-bottom: 1px solid var(--line); padding-bottom: 12px; margin-bottom: 16px; }
.up-meta { margin: 0; color: var(--muted); display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; font-size: 0.9rem; }
.up-meta strong { color: var(--fg); font-weight: 600; }
.up-id { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 0.8rem; overflow-wrap: anywhere; }
.pill { display: inline-block; padding: 1px 10px; border-radius: 999px; background: var(--grid); color: var(--fg); font-weight: 600; font-size: 0.8rem; }
.pill-net { background: var(--net); color: #fff; }
.headline { display: grid; grid-template-columns: repeat(auto-fit, minmax(145px, 1fr)); gap: 12px; margin: 0 0 22px; }
.period-covered { margin: 0 0 12px; display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px; }
.period-covered .label { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; font-weight: 600; }
.period-covered .period { font-size: 1.15rem; font-weight: 650; }
.period-covered .sub { color: var(--muted); font-size: 0.9rem; }
.figure { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; border-top: 4px solid var(--axis); }
.figure-delivered { border-top-color: var(--delivered); }
.figure-received { border-top-color: var(--received); }
.figure-net { border-top-color: var(--net); }
.figure-cost { border-top-color: var(--bill); }
.figure-peak { border-top-color: var(--t5); }
.figure .label { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; font-weight: 600; }
.figure .value { font-size: 1.3rem; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px; white-space: nowrap; }
.figure .value.period { font-size: 1rem; white-space: normal; }
.figure .unit { font-size: 0.95rem; font-weight: 500; color: var(--muted); }
.figure .sub { color: var(--muted); font-size: 0.85rem; }
.quality-figures { margin-bottom: 12px; }
.quality-figures .figure { border-top-width: 1px; }
.chart-block { margin: 0 0 26px; }
.note { color: var(--muted); background: var(--bg); border-left: 3px solid var(--line); padding: 8px 12px; margin: 0 0 20px; }
.absent + .absent::before { content: ", "; }
figure.chart { margin: 0; }
svg.chart { display: block; width: 100%; height: auto; overflow: visible; }
svg.chart text { font-family: inherit; font-size: 11px; fill: var(--muted); }
svg.chart .axis-unit { font-weight: 600; }
svg.chart .grid { stroke: var(--grid); stroke-width: 1; }
svg.chart .axis { stroke: var(--axis); stroke-width: 1; }
svg.chart .tick { stroke: var(--axis); stroke-width: 1; }
.bar-day, .bar-month { fill: var(--delivered); }
.bar-day-received, .bar-month-received { fill: var(--received); }
.bar-bill { fill: var(--bill); }
.bar-day[data-partial], .sw-partial { fill-opacity: 0.55; opacity: 1; }
.sw-partial { background: var(--delivered); opacity: 0.55; }
.missing-band { fill: var(--missing); opacity: 0.7; }
svg.chart .bars rect:hover { fill-opacity: 0.75; }
.hm-bg { fill: var(--none); }
rect.hm { shape-rendering: crispEdges; }
.hm-image { image-rendering: pixelated; image-rendering: crisp-edges; }
.hm0, .hm-sw0 { fill: var(--h0); background: var(--h0); }
.hm1, .hm-sw1 { fill: var(--h1); background: var(--h1); }
.hm2, .hm-sw2 { fill: var(--h2); background: var(--h2); }
.hm3, .hm-sw3 { fill: var(--h3); background: var(--h3); }
.hm4, .hm-sw4 { fill: var(--h4); background: var(--h4); }
.hm5, .hm-sw5 { fill: var(--h5); background: var(--h5); }
.tou0, .sw-tou0 { fill: var(--t0); background: var(--t0); }
.tou1, .sw-tou1 { fill: var(--t1); background: var(--t1); }
.tou2, .sw-tou2 { fill: var(--t2); background: var(--t2); }
.tou3, .sw-tou3 { fill: var(--t3); background: var(--t3); }
.tou4, .sw-tou4 { fill: var(--t4); background: var(--t4); }
.tou5, .sw-tou5 { fill: var(--t5); background: var(--t5); }
.tou-seg { stroke: var(--card); stroke-width: 2; }
svg.chart text.seg-label { fill: #111; font-size: 13px; font-weight: 600; }
svg.chart text.seg-label.tl0 { fill: #fff; }
.legend { list-style: none; padding: 0; margin: 6px 0 4px; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 0.85rem; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; border: 1px solid var(--line); }
.sw-delivered { background: var(--delivered); }
.sw-received { background: var(--received); }
.sw-bill { background: var(--bill); }
.sw-missing { background: var(--missing); }
.sw-none { background: var(--none); }
.heat-legend .swatch { width: 18px; }
details { margin: 4px 0 0; }
summary { cursor: pointer; color: var(--accent); font-size: 0.9rem; width: max-content; }
details[open] > summary { margin-bottom: 6px; }
details > table, .channels table { display: block; max-height: 420px; overflow: auto; }
table { border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); padding: 4px 0; font-size: 0.85rem; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { position: sticky; top: 0; background: var(--card); font-weight: 600; white-space: nowrap; }
.num { text-align: right; }
tr.missing td { color: var(--muted); }
table.hours td, table.hours th { padding: 2px 5px; }
td.id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.78rem; overflow-wrap: anywhere; }
.verdict { font-weight: 600; }
.verdict-valid { color: var(--ok); }
.verdict-invalid { color: var(--error); }
.sev { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 0.75rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.03em; border: 1px solid currentColor; }
.sev-error { color: var(--error); }
.sev-warning { color: var(--warning); }
.sev-other { color: var(--muted); }
.rules { margin-bottom: 16px; }
.rules a { color: var(--accent); }
.rule { border-top: 1px solid var(--line); padding-top: 12px; margin-top: 12px; }
.rule h3 { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.rule h3 code { overflow-wrap: anywhere; }
.rule .count { color: var(--muted); font-weight: 500; font-size: 0.9rem; }
.rule-summary { margin: 0 0 6px; color: var(--muted); }
.findings { margin: 0; padding-left: 22px; font-size: 0.88rem; }
.findings .where { font-family: ui-monospace, Menlo, Consolas, monospace; color: var(--muted); }
.findings .message, .rule-summary, td { overflow-wrap: anywhere; }
.more { color: var(--muted); font-size: 0.85rem; }
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 0.9em; }
.page-footer { color: var(--muted); font-size: 0.8rem; padding-bottom: 28px; }
@media (max-width: 600px) {
  .usage-point, .validation { padding: 14px; border-radius: 0; margin: 12px -20px; }
  .figure .value { font-size: 1.2rem; }
  figure.chart { overflow-x: auto; }
  svg.chart { min-width: 560px; }
}
@media print {
  :root { --bg: #fff; --card: #fff; --fg: #000; --muted: #333; --line: #bbb; --grid: #ddd; --none: #f2f2f2; }
  body { font-size: 10.5pt; background: #fff; color: #000; }
  .page-header, main, .page-footer { max-width: none; padding: 0; }
  .usage-point, .validation { border: none; padding: 0; margin: 0 0 16pt; break-before: page; }
  .usage-point:first-of-type { break-before: auto; }
  .figure, figure.chart, .rule, tr { break-inside: avoid; }
  svg.chart { max-height: 9cm; }
  .toc, summary { display: none; }
  details > table, .channels table { max-height: none; overflow: visible; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; box-shadow: none; }
}
</style>
  </xsl:template>

</xsl:stylesheet>
