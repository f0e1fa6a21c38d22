<?xml version="1.0" encoding="UTF-8"?>
<!-- SPDX-License-Identifier: Apache-2.0 -->
<!-- A tiny user stylesheet (espi report with the stylesheet option): one line per usage point. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:r="urn:x-espi:report:1">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:template match="/r:report">
    <xsl:text>usage points: </xsl:text>
    <xsl:value-of select="count(r:usagePoint)"/>
    <xsl:text>&#10;</xsl:text>
    <xsl:for-each select="r:usagePoint">
      <xsl:value-of select="@title"/>
      <xsl:text>: </xsl:text>
      <xsl:choose>
        <xsl:when test="r:headline/@delivered">
          <xsl:value-of select="r:headline/@delivered"/>
          <xsl:text> </xsl:text>
          <xsl:value-of select="@unit"/>
        </xsl:when>
        <xsl:otherwise>no readings</xsl:otherwise>
      </xsl:choose>
      <xsl:text>, </xsl:text>
      <xsl:value-of select="count(r:days/r:day)"/>
      <xsl:text> days, </xsl:text>
      <xsl:value-of select="count(r:bills/r:bill)"/>
      <xsl:text> bills&#10;</xsl:text>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
